//! The error every command rejects with: `{ code, message }`. The UI branches on `code`
//! (the stable codes of [`AppError::code`]), never on the message, which is for people.

use countersign_app::AppError;
use serde::Serialize;

/// A failed command, as the window receives it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CommandError {
    /// Machine-readable, snake_case: `not_signed_in`, `offline`, `bad_credentials`, …
    pub code: String,
    /// A sentence for the reviewer. Never contains a secret.
    pub message: String,
}

impl From<AppError> for CommandError {
    fn from(error: AppError) -> Self {
        tracing::debug!(code = error.code(), %error, "command failed");
        CommandError {
            code: error.code().to_string(),
            message: error.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_app_error_keeps_its_code_and_its_sentence() {
        let error = CommandError::from(AppError::NotSignedIn);
        assert_eq!(error.code, "not_signed_in");
        assert_eq!(error.message, "sign in first");
    }
}

// The error codes the window may receive, in one list. APP_CODES mirrors the Rust side
// (`countersign_app::error::ERROR_CODES`, the values of `AppError::code()`): a Rust test
// (crates/app/src/error.rs) reads this file and checks the two lists agree both ways, so
// keep one `NAME: "code",` per line between the BEGIN/END marks.

/** Codes of `AppError::code()`. */
export const APP_CODES = Object.freeze({
  // BEGIN app codes
  NOT_SIGNED_IN: "not_signed_in",
  SIGN_IN_REQUIRED: "sign_in_required",
  LEASE_EXPIRED: "lease_expired",
  BAD_CREDENTIALS: "bad_credentials",
  TOTP_REQUIRED: "totp_required",
  TOTP_ENROLMENT_REQUIRED: "totp_enrolment_required",
  NOT_ALLOWED: "not_allowed",
  OVERRIDE_REQUIRED: "override_required",
  SESSION_REVOKED: "session_revoked",
  INSECURE_SERVER: "insecure_server",
  OFFLINE: "offline",
  NOT_FOUND: "not_found",
  INVALID: "invalid",
  SERVER_REDIRECTED: "server_redirected",
  BAD_SERVER_ANSWER: "bad_server_answer",
  SERVER_ERROR: "server_error",
  WIPE_INCOMPLETE: "wipe_incomplete",
  EXPORT_FAILED: "export_failed",
  UNDO_TOO_LATE: "undo_too_late",
  KEYCHAIN: "keychain",
  STORAGE: "storage",
  // END app codes
});

/** Codes that come from the window's side of IPC, not from AppError. */
export const WINDOW_CODES = Object.freeze({
  /** backend.js: no Tauri backend (the page opened outside the app). */
  NO_BACKEND: "no_backend",
  /** src-tauri/src/opening.rs: the app could not open its cache or keychain. */
  CANNOT_START: "cannot_start",
  /** backend.js: an error without a code. */
  UNKNOWN: "unknown",
});

/** Every code by name: `CODES.OFFLINE`, `CODES.NO_BACKEND`. */
export const CODES = Object.freeze({ ...APP_CODES, ...WINDOW_CODES });

/** Codes that end the session: the window goes back to the sign-in screen. */
export const SESSION_ENDED = new Set([
  CODES.NOT_SIGNED_IN, CODES.SIGN_IN_REQUIRED, CODES.SESSION_REVOKED, CODES.LEASE_EXPIRED,
]);

use super::*;
use crate::admin::{self, NewUser};
use crate::fixtures::t0;
use crate::{Clock, ServerConfig};
use countersign_core::Role;

const PASSWORD: &str = "a long enough password";

/// A server on a temporary directory whose clock stands at `t0()`, with one reviewer.
async fn server() -> (tempfile::TempDir, Server) {
    server_allowing(100).await
}

/// The same, allowing `failures` failed sign-ins per window.
async fn server_allowing(failures: u32) -> (tempfile::TempDir, Server) {
    server_with(|config| config.login_attempts = failures).await
}

/// The same, with the configuration changed by `configure` before the server opens.
async fn server_with(configure: impl FnOnce(&mut ServerConfig)) -> (tempfile::TempDir, Server) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = ServerConfig::new(dir.path());
    config.clock = Clock::fixed(t0());
    configure(&mut config);
    let server = crate::open(config).await.unwrap();
    admin::add_user(
        &server,
        &crate::fixtures::trail(),
        NewUser {
            username: "rita".into(),
            display_name: "Rita".into(),
            password: Sensitive::new(PASSWORD.into()),
            roles: vec![Role::Reviewer],
            steps: vec!["review".into()],
            teams: vec![],
        },
    )
    .await
    .unwrap();
    (dir, server)
}

fn request(totp: Option<String>) -> SessionRequest {
    SessionRequest {
        username: "rita".into(),
        password: PASSWORD.into(),
        totp,
    }
}

/// The outcome of a sign-in as a short word, for tables.
fn outcome(result: Result<SessionResponse, ServerError>) -> &'static str {
    match result {
        Ok(_) => "signed in",
        Err(ServerError::Auth(AuthError::BadCredentials)) => "bad_credentials",
        Err(ServerError::Auth(AuthError::TotpRequired)) => "totp_required",
        Err(other) => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn a_totp_code_is_accepted_once_within_one_step_of_skew() {
    let (_dir, server) = server().await;
    let steps_away = |n: i64| t0() + TimeDelta::seconds(n * totp::STEP_SECS as i64);
    // (case, a code used successfully before, the code presented, expected outcome)
    let cases: [(&str, Option<i64>, Option<i64>, &str); 7] = [
        ("right code now", None, Some(0), "signed in"),
        ("previous step accepted", None, Some(-1), "signed in"),
        ("next step accepted", None, Some(1), "signed in"),
        ("two steps ago refused", None, Some(-2), "bad_credentials"),
        (
            "replay of an accepted step",
            Some(0),
            Some(0),
            "bad_credentials",
        ),
        (
            "older step after a newer one",
            Some(0),
            Some(-1),
            "bad_credentials",
        ),
        ("no code at all", None, None, "totp_required"),
    ];
    for (case, used, presented, expected) in cases {
        // A fresh enrolment each time: it also forgets the last accepted step.
        let enrolment = admin::enroll_totp(&server, &crate::fixtures::trail(), "rita")
            .await
            .unwrap();
        let code = |n: i64| admin::totp_code(enrolment.secret_base32.expose(), steps_away(n));
        if let Some(n) = used {
            let first = sign_in(&server, request(Some(code(n).unwrap()))).await;
            assert_eq!(outcome(first), "signed in", "{case}: the first use");
        }
        let presented = presented.map(|n| code(n).unwrap());
        let got = outcome(sign_in(&server, request(presented)).await);
        assert_eq!(got, expected, "{case}");
    }
}

#[tokio::test]
async fn a_wrong_totp_code_is_bad_credentials_and_counts_as_a_failure() {
    let (_dir, server) = server_allowing(2).await;
    let enrolment = admin::enroll_totp(&server, &crate::fixtures::trail(), "rita")
        .await
        .unwrap();
    let right = admin::totp_code(enrolment.secret_base32.expose(), t0()).unwrap();
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    let got = outcome(sign_in(&server, request(Some(wrong.into()))).await);
    assert_eq!(got, "bad_credentials");
    assert!(
        server
            .limiter()
            .must_wait(crate::auth::limiter::Key::account("rita"), t0())
            .is_none(),
        "one failure of two allowed"
    );
    let got = outcome(sign_in(&server, request(Some(wrong.into()))).await);
    assert_eq!(got, "bad_credentials");
    assert!(
        server
            .limiter()
            .must_wait(crate::auth::limiter::Key::account("rita"), t0())
            .is_some(),
        "wrong codes must count towards the sign-in limit"
    );
}

#[tokio::test]
async fn without_enrolment_the_password_is_enough_and_a_code_is_ignored() {
    let (_dir, server) = server().await;
    assert_eq!(outcome(sign_in(&server, request(None)).await), "signed in");
    assert_eq!(
        outcome(sign_in(&server, request(Some("123456".into()))).await),
        "signed in"
    );
    admin::enroll_totp(&server, &crate::fixtures::trail(), "rita")
        .await
        .unwrap();
    assert_eq!(
        outcome(sign_in(&server, request(None)).await),
        "totp_required"
    );
    assert!(
        admin::remove_totp(&server, &crate::fixtures::trail(), "rita")
            .await
            .unwrap()
    );
    assert_eq!(
        outcome(sign_in(&server, request(None)).await),
        "signed in",
        "removing the enrolment goes back to the password alone"
    );
    assert!(
        !admin::remove_totp(&server, &crate::fixtures::trail(), "rita")
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn totp_required_only_follows_the_right_password() {
    let (_dir, server) = server().await;
    admin::enroll_totp(&server, &crate::fixtures::trail(), "rita")
        .await
        .unwrap();
    let wrong_password = SessionRequest {
        password: "not her password".into(),
        ..request(None)
    };
    assert_eq!(
        outcome(sign_in(&server, wrong_password).await),
        "bad_credentials",
        "a wrong password must not learn that the account has two factors"
    );
}

#[tokio::test]
async fn a_sign_in_with_no_free_hashing_place_is_busy_and_counts_for_nothing() {
    let (_dir, server) = server_with(|config| {
        config.login_attempts = 1;
        config.hash_concurrency = 2;
        config.hash_wait = Duration::from_millis(50);
    })
    .await;
    // Every hashing place taken, as by a flood of other sign-ins.
    let held = server.hashing().acquire_many(2).await.unwrap();
    for attempt in 0..3 {
        let error = sign_in(&server, request(None)).await.unwrap_err();
        assert!(
            matches!(error, ServerError::Busy(_)),
            "attempt {attempt}: {error:?}"
        );
        let api = crate::api::error::ApiError::from(error);
        assert_eq!(
            (api.status().as_u16(), api.code()),
            (503, "unavailable"),
            "a busy sign-in is a 503 in the error shape"
        );
    }
    drop(held);
    assert_eq!(
        outcome(sign_in(&server, request(None)).await),
        "signed in",
        "the busy attempts were never checked, so none counted against a limit of one"
    );
}

#[tokio::test]
async fn a_disabled_account_with_the_right_password_is_bad_credentials_and_counts() {
    let (_dir, server) = server_allowing(2).await;
    admin::disable_user(&server, &crate::fixtures::trail(), "rita")
        .await
        .unwrap();
    for attempt in 0..2 {
        assert_eq!(
            outcome(sign_in(&server, request(None)).await),
            "bad_credentials",
            "attempt {attempt}: the right password of a disabled account"
        );
    }
    let error = sign_in(&server, request(None)).await.unwrap_err();
    assert!(
        matches!(error, ServerError::Auth(AuthError::TooManyAttempts { .. })),
        "they count as failures like wrong passwords: {error:?}"
    );
}

#[tokio::test]
async fn no_account_gets_a_password_too_long_to_sign_in_with() {
    let (_dir, server) = server().await;
    let user = |name: &str, password: String| NewUser {
        username: name.into(),
        display_name: name.into(),
        password: Sensitive::new(password),
        roles: vec![Role::Author],
        steps: vec![],
        teams: vec![],
    };
    let error = admin::add_user(
        &server,
        &crate::fixtures::trail(),
        user("long", "p".repeat(MAX_PASSWORD_BYTES + 1)),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&error, ServerError::Invalid(m) if m.contains("at most")),
        "{error:?}"
    );
    admin::add_user(
        &server,
        &crate::fixtures::trail(),
        user("longest", "p".repeat(MAX_PASSWORD_BYTES)),
    )
    .await
    .unwrap();
    let longest = SessionRequest {
        username: "longest".into(),
        password: "p".repeat(MAX_PASSWORD_BYTES),
        totp: None,
    };
    assert_eq!(
        outcome(sign_in(&server, longest).await),
        "signed in",
        "the longest password an account may have signs in"
    );
}

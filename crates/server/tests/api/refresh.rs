//! Refresh tokens as RFC 9700 asks: every spent token remembered (replaying any of them
//! revokes the session), a short grace for the retry of a refresh whose answer was lost, an
//! absolute session lifetime, and sign-out with the refresh token alone.

use crate::support::{Session, TestServer, error_code, org};
use chrono::{DateTime, TimeDelta, Utc};
use countersign_server::Clock;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A clock the test moves by hand, starting at the real now.
#[derive(Clone)]
struct HandClock(Arc<Mutex<DateTime<Utc>>>);

impl HandClock {
    fn new() -> Self {
        #[allow(clippy::disallowed_methods)] // the start only; the test moves it from there
        let start = Utc::now();
        Self(Arc::new(Mutex::new(start)))
    }

    fn clock(&self) -> Clock {
        let now = Arc::clone(&self.0);
        Clock::from_fn(move || *now.lock().unwrap_or_else(|e| e.into_inner()))
    }

    fn advance(&self, by: Duration) {
        let mut now = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *now += TimeDelta::from_std(by).expect("a test's step fits a TimeDelta");
    }
}

/// A server on `clock` with a 30-second refresh grace, and the test organisation.
async fn server(clock: &HandClock) -> TestServer {
    let clock = clock.clock();
    let t = TestServer::with(move |c| {
        c.clock = clock;
        c.refresh_grace = Duration::from_secs(30);
    })
    .await;
    org(&t.server).await;
    t
}

/// The pair of a 200 answer, or a panic naming `what`.
fn pair(what: &str, (status, body): (StatusCode, Value)) -> Session {
    assert_eq!(status, StatusCode::OK, "{what}: {body}");
    Session {
        access: body["access_token"]
            .as_str()
            .expect("an access token")
            .to_owned(),
        refresh: body["refresh_token"]
            .as_str()
            .expect("a refresh token")
            .to_owned(),
    }
}

/// The error code of a refused call, checking it is a 401.
fn refused_401(what: &str, (status, body): (StatusCode, Value)) -> String {
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}: {body}");
    error_code(&body).to_owned()
}

#[tokio::test]
async fn a_retry_with_the_just_spent_token_within_the_grace_gets_the_same_pair() {
    let clock = HandClock::new();
    let t = server(&clock).await;
    let first = t.sign_in("rita").await;
    let second = pair("the refresh", t.refresh(&first.refresh).await);

    // The answer was lost; the desktop retries 20 s later with the token it still holds.
    clock.advance(Duration::from_secs(20));
    let (status, body) = t.refresh(&first.refresh).await;
    let again = pair("the retry", (status, body.clone()));
    assert_eq!(
        (again.access.as_str(), again.refresh.as_str()),
        (second.access.as_str(), second.refresh.as_str()),
        "a retry within the grace must get the very pair the lost answer carried"
    );
    let expires_in = body["expires_in"].as_u64().expect("expires_in");
    assert!(
        (879..=880).contains(&expires_in),
        "expires_in counts from the first answer (900 s, 20 s ago), not afresh: {expires_in}"
    );
    let (status, me) = t.get("/api/v1/me", &again.access).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the repeated access token works: {me}"
    );
    let third = pair(
        "refreshing the repeated pair",
        t.refresh(&again.refresh).await,
    );

    // The pair the first token got is spent now: its answer plainly arrived, so presenting
    // the first token again, even within its grace, is a replay.
    let code = refused_401("the first token once more", t.refresh(&first.refresh).await);
    assert_eq!(
        code, "session_revoked",
        "a replay after the pair moved on revokes"
    );
    let code = refused_401("the newest token", t.refresh(&third.refresh).await);
    assert_eq!(code, "session_revoked", "the whole session is gone");
}

#[tokio::test]
async fn two_refreshes_racing_with_one_token_get_the_same_pair() {
    let clock = HandClock::new();
    let t = server(&clock).await;
    let first = t.sign_in("rita").await;
    let (a, b) = tokio::join!(t.refresh(&first.refresh), t.refresh(&first.refresh));
    let (a, b) = (pair("one", a), pair("the other", b));
    assert_eq!(
        (a.access.as_str(), a.refresh.as_str()),
        (b.access.as_str(), b.refresh.as_str()),
        "two calls racing with the same token are one refresh answered twice"
    );
    pair("the pair refreshes", t.refresh(&a.refresh).await);
}

#[tokio::test]
async fn a_replay_after_the_grace_revokes_the_session() {
    let clock = HandClock::new();
    let t = server(&clock).await;
    let first = t.sign_in("rita").await;
    let second = pair("the refresh", t.refresh(&first.refresh).await);
    clock.advance(Duration::from_secs(31));
    let code = refused_401("a replay 31 s later", t.refresh(&first.refresh).await);
    assert_eq!(code, "session_revoked");
    let (status, body) = t.get("/api/v1/me", &second.access).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(
        error_code(&body),
        "session_revoked",
        "the stolen copy ended the session"
    );
    let code = refused_401("the rightful pair", t.refresh(&second.refresh).await);
    assert_eq!(code, "session_revoked");
}

#[tokio::test]
async fn replaying_the_first_of_five_spent_tokens_revokes_the_session() {
    let clock = HandClock::new();
    let t = server(&clock).await;
    let mut spent = vec![];
    let mut current = t.sign_in("rita").await;
    for i in 0..5 {
        clock.advance(Duration::from_secs(600));
        let next = pair(&format!("rotation {i}"), t.refresh(&current.refresh).await);
        spent.push(std::mem::replace(&mut current, next));
    }
    clock.advance(Duration::from_secs(60));
    let code = refused_401("the first spent token", t.refresh(&spent[0].refresh).await);
    assert_eq!(
        code, "session_revoked",
        "any spent token of the session is remembered, not only the last"
    );
    let (status, body) = t.get("/api/v1/me", &current.access).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(error_code(&body), "session_revoked");
    let code = refused_401("the current token", t.refresh(&current.refresh).await);
    assert_eq!(code, "session_revoked");
    let code = refused_401("another spent token", t.refresh(&spent[3].refresh).await);
    assert_eq!(code, "session_revoked");
}

#[tokio::test]
async fn a_session_ends_at_its_absolute_lifetime_whatever_the_rotations() {
    let clock = HandClock::new();
    let hand = clock.clock();
    let t = TestServer::with(move |c| {
        c.clock = hand;
        c.session_lifetime = Duration::from_secs(24 * 3600);
    })
    .await;
    org(&t.server).await;
    let mut current = t.sign_in("rita").await;
    // Refreshed every 5 hours: each new refresh token would last 30 days, but none outlives
    // the day the session may last.
    for hour in [5, 10, 15, 20] {
        clock.advance(Duration::from_secs(5 * 3600));
        current = pair(
            &format!("refresh at {hour} h"),
            t.refresh(&current.refresh).await,
        );
    }
    // At 23 h 50 a fresh access token lasts only the 10 minutes the session has left.
    clock.advance(Duration::from_secs(3 * 3600 + 50 * 60));
    let (status, body) = t.refresh(&current.refresh).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["expires_in"], 600,
        "the access token stops with the session: {body}"
    );
    current = pair("at 23 h 50", (status, body));
    clock.advance(Duration::from_secs(11 * 60));
    let (status, body) = t.get("/api/v1/me", &current.access).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(error_code(&body), "token_expired");
    let code = refused_401(
        "refreshing past the lifetime",
        t.refresh(&current.refresh).await,
    );
    assert_eq!(
        code, "session_expired",
        "a session past its lifetime must sign in again"
    );
    pair("a new sign-in", {
        let (status, body) = t.sign_in_raw("rita", crate::support::PASSWORD).await;
        (status, body)
    });
}

#[tokio::test]
async fn signing_out_with_the_refresh_token_alone_revokes_the_session() {
    let clock = HandClock::new();
    let t = server(&clock).await;
    let revoke = |token: &str| {
        let body = json!({ "refresh_token": token });
        let t = &t;
        async move {
            t.call(Method::POST, "/api/v1/sessions/revoke", None, Some(&body))
                .await
        }
    };

    // The access token has expired; the refresh token is all the desktop has.
    let session = t.sign_in("rita").await;
    clock.advance(Duration::from_secs(16 * 60));
    let (status, body) = revoke(&session.refresh).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let code = refused_401(
        "refreshing after sign-out",
        t.refresh(&session.refresh).await,
    );
    assert_eq!(code, "session_revoked");

    // A token just spent (the refresh answer was lost, then the reviewer signs out) ends
    // the session too.
    let other = t.sign_in("rob").await;
    let newer = pair("rob's refresh", t.refresh(&other.refresh).await);
    let (status, body) = revoke(&other.refresh).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, body) = t.get("/api/v1/me", &newer.access).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(error_code(&body), "session_revoked");

    // An unknown token gets the same answer and revokes nothing.
    let bystander = t.sign_in("bea").await;
    let (status, body) = revoke("never-issued").await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, body) = t.get("/api/v1/me", &bystander.access).await;
    assert_eq!(status, StatusCode::OK, "nobody else is signed out: {body}");

    let (status, body) = t
        .call(
            Method::POST,
            "/api/v1/sessions/revoke",
            None,
            Some(&json!({ "refresh_token": bystander.refresh, "extra": 1 })),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "unknown fields are refused: {body}"
    );
    assert_eq!(error_code(&body), "invalid_json");
}

//! The transport door in the real window: a plain-`http://` address of another machine is
//! refused at sign-in, naming the risk, with nothing sent; the reviewer's explicit tick on
//! "Allow unencrypted connection to <host>" is the only way in.
//!
//! `0.0.0.0` stands for "another machine": as a destination it is this machine on Linux
//! (so the test's traffic stays on loopback), yet its address is no loopback address, so
//! the app must treat it as a server across a network.

use crate::harness::{Desktop, demo_server, enabled};
use countersign_server::admin;

const REVIEWER: &str = "david.chen";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_http_address_of_another_machine_is_refused_until_the_reviewer_allows_it() {
    if !enabled() {
        return;
    }
    let server = demo_server().await;
    let lan_url = server.url().replace("127.0.0.1", "0.0.0.0");
    assert!(lan_url.starts_with("http://0.0.0.0:"), "{lan_url}");
    let host = lan_url.trim_start_matches("http://").to_owned();
    let desktop = Desktop::launch_with(&lan_url, &[]).await;
    let s = &desktop.session;

    s.find("[data-testid=signin-form]").await;
    let user = s.find("[data-testid=signin-username]").await;
    s.type_into(&user, REVIEWER).await;
    let password = s.find("[data-testid=signin-password]").await;
    s.type_into(&password, crate::harness::DEMO_PASSWORD).await;
    let submit = s.find("[data-testid=signin-submit]").await;
    s.click(&submit).await;

    let error = s.find("[data-testid=signin-error]").await;
    let message = s
        .wait_for("the refusal", || async {
            let text = s.text(&error).await;
            (!text.is_empty()).then_some(text)
        })
        .await;
    assert!(
        message.contains(&host) && message.contains("unencrypted"),
        "the refusal names the host and the risk: {message}"
    );
    let label = s.find("[data-testid=signin-allow-insecure-label]").await;
    assert_eq!(
        s.text(&label).await,
        format!("Allow unencrypted connection to {host}"),
        "the allowance names this server"
    );
    desktop.shot("insecure-server").await;
    let david = || async {
        admin::access_of(&server.server, REVIEWER)
            .await
            .expect("the reviewer's access entry")
    };
    assert_eq!(
        david().await.last_sign_in_at,
        None,
        "the password never reached the server"
    );

    // Pressing Sign in again without the tick changes nothing.
    s.click(&submit).await;
    s.wait_for("the form to be ready again", || async {
        let busy = s
            .script(
                "return document.querySelector('[data-testid=signin-submit]').disabled",
                serde_json::json!([]),
            )
            .await;
        (busy == serde_json::Value::Bool(false)).then_some(())
    })
    .await;
    assert!(
        s.text(&error).await.contains("unencrypted"),
        "still refused without the tick"
    );
    assert_eq!(
        david().await.last_sign_in_at,
        None,
        "still nothing sent without the tick"
    );
    assert!(
        s.find_all("[data-testid=queue-row]").await.is_empty(),
        "no queue without the tick"
    );

    // The explicit choice: tick, sign in, and the queue opens from that server.
    let tick = s.find("[data-testid=signin-allow-insecure]").await;
    s.click(&tick).await;
    s.click(&submit).await;
    s.find("[data-testid=queue-row]").await;
    assert!(
        david().await.last_sign_in_at.is_some(),
        "signed in once allowed"
    );
    // The real app's data folder and cache, after a start and a sign-in: the user's alone.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |path: std::path::PathBuf| {
            std::fs::metadata(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
                .permissions()
                .mode()
                & 0o777
        };
        let dir = desktop.data_dir();
        assert_eq!(mode(dir.clone()), 0o700, "the data folder");
        for file in ["cache.db", "cache.db-wal", "cache.db-shm"] {
            assert_eq!(mode(dir.join(file)), 0o600, "{file}");
        }
    }
    desktop.close().await;
}

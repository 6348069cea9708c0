//! Crisis mode in the real window: the banner and its "as of" time, the warning when the
//! state goes unconfirmed offline, `a` on a crisis draft explaining who may approve it, and
//! an administrator turning crisis mode on and off from the Access view.

use crate::harness::{Desktop, demo_server, enabled};
use crate::webdriver::Session;
use countersign_server::admin;
use countersign_server::trail::Trail;
use serde_json::json;

const REASON: &str = "Fire at the Leeds Briggate store";

async fn banner_text(s: &Session, part: &str) -> String {
    s.text(&s.find(&format!("[data-testid=crisis-mode-{part}]")).await)
        .await
}

async fn crisis_mode_shown(s: &Session) -> bool {
    let hidden = s
        .script(
            "const b = document.querySelector('[data-testid=crisis-mode]'); \
             return !b || b.hidden;",
            json!([]),
        )
        .await;
    hidden == json!(false)
}

/// True when `text` holds a clock time like 09:12.
fn has_clock_time(text: &str) -> bool {
    text.as_bytes().windows(5).any(|w| {
        w[0].is_ascii_digit()
            && w[1].is_ascii_digit()
            && w[2] == b':'
            && w[3].is_ascii_digit()
            && w[4].is_ascii_digit()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crisis_mode_shows_its_banner_goes_stale_offline_and_a_says_who_may_approve() {
    if !enabled() {
        return;
    }
    let mut server = demo_server().await;
    // A short limit, so "unconfirmed for too long" happens within the test.
    let desktop =
        Desktop::launch_with(&server.url(), &[("COUNTERSIGN_CRISIS_STALE_SECS", "3")]).await;
    // Head of Social Media: a reviewer of both teams, not a spokesperson.
    desktop.sign_in("hannah.okafor").await;
    let s = &desktop.session;

    admin::crisis_on(
        &server.server,
        &Trail::console(),
        REASON,
        &["care-x".to_string()],
    )
    .await
    .expect("crisis mode on");
    s.wait_for("the crisis-mode banner", || async {
        crisis_mode_shown(s).await.then_some(())
    })
    .await;
    let headline = banner_text(s, "headline").await;
    assert_eq!(headline, format!("Crisis mode: {REASON}"));
    let as_of = banner_text(s, "as-of").await;
    assert!(
        as_of.starts_with("Crisis state as of ") && has_clock_time(&as_of),
        "the banner says when the server last confirmed it: {as_of:?}"
    );
    assert!(
        banner_text(s, "speakers").await.contains("David Chen"),
        "the banner names who may approve"
    );

    // Narrow the queue to crisis drafts and open the first.
    s.script(
        "const select = document.querySelector('[data-testid=filter-urgency]');
         select.value = 'crisis';
         select.dispatchEvent(new Event('change', {bubbles: true}));",
        json!([]),
    )
    .await;
    let blocked = s
        .wait_for("the draft pane to say approving is not hers", || async {
            let found = s.find_all("[data-testid=approve-blocked]").await;
            match found.first() {
                Some(note) => Some(s.text(note).await),
                None => None,
            }
        })
        .await;
    assert!(
        blocked.starts_with("Only a spokesperson may approve a crisis draft")
            && blocked.contains("David Chen"),
        "the window says who may: {blocked:?}"
    );
    let approve = s.find("[data-testid=action-approve]").await;
    assert!(
        s.attribute(&approve, "disabled").await.is_some(),
        "the approve button is off"
    );
    desktop.shot("crisis-mode").await;
    s.press("a").await;
    let toast = s
        .wait_for("a message instead of an approval", || async {
            let toasts = s.find_all("[data-testid=toast]").await;
            for t in toasts {
                let text = s.text(&t).await;
                if text.contains("spokesperson") {
                    return Some(text);
                }
            }
            None
        })
        .await;
    assert!(toast.contains("David Chen"), "toast: {toast:?}");
    let pending = s.text(&s.find("[data-testid=status-pending]").await).await;
    assert!(
        !pending.contains("waiting"),
        "nothing was queued for the server: {pending:?}"
    );

    // The server goes away: after the limit the banner says the state may be out of date.
    server.stop().await;
    let stale = s
        .wait_for("the staleness warning", || async {
            let text = banner_text(s, "as-of").await;
            text.contains("you have been offline for").then_some(text)
        })
        .await;
    assert!(
        stale.starts_with("Crisis state as of ") && has_clock_time(&stale),
        "{stale:?}"
    );
    let marked = s
        .script(
            "return document.querySelector('[data-testid=crisis-mode]').dataset.stale;",
            json!([]),
        )
        .await;
    assert_eq!(marked, json!("true"));
    desktop.shot("crisis-stale").await;

    // Back online: confirmed again, the warning goes.
    server.restart().await;
    s.wait_for("the warning to clear once the server confirms", || async {
        let text = banner_text(s, "as-of").await;
        (!text.contains("offline")).then_some(())
    })
    .await;
    desktop.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_sees_who_has_access_and_turns_crisis_mode_on_and_off() {
    if !enabled() {
        return;
    }
    let server = demo_server().await;
    let desktop = Desktop::launch_with(&server.url(), &[]).await;
    desktop.sign_in("admin").await;
    let s = &desktop.session;

    let open = s.find("[data-testid=access-open]").await;
    s.wait_for("the Access button for an administrator", || async {
        s.attribute(&open, "hidden").await.is_none().then_some(())
    })
    .await;
    s.click(&open).await;
    let table = s.find("[data-testid=access-table]").await;
    let agency = s
        .wait_for("the agency's row", || async {
            let rows = s
                .find_all("[data-testid=access-table] tr[data-username='brightside.agency']")
                .await;
            match rows.first() {
                Some(row) => Some(s.text(row).await),
                None => None,
            }
        })
        .await;
    assert!(
        agency.contains("only brand-"),
        "the agency is limited to the channels it serves: {agency:?}"
    );
    assert!(s.text(&table).await.contains("david.chen"));
    desktop.shot("access").await;

    let reason = s.find("[data-testid=crisis-reason]").await;
    s.type_into(&reason, REASON).await;
    s.click(&s.find("[data-testid=crisis-on]").await).await;
    s.wait_for("the crisis-mode banner", || async {
        crisis_mode_shown(s).await.then_some(())
    })
    .await;
    let state = admin::crisis_status(&server.server).await.expect("status");
    assert!(state.state.is_on(), "the server has it on");
    assert_eq!(state.state.reason, REASON);
    assert_eq!(
        state.state.declared_by.map(|p| p.username),
        Some("admin".to_string()),
        "recorded as the administrator who pressed it"
    );

    // Enabled: while the change is on its way the panel shows the button greyed out.
    let off = s
        .wait_for("the turn-off button", || async {
            s.find_all("[data-testid=crisis-off]:not([disabled])")
                .await
                .into_iter()
                .next()
        })
        .await;
    s.click(&off).await;
    s.wait_for("the banner to go", || async {
        (!crisis_mode_shown(s).await).then_some(())
    })
    .await;
    assert!(
        !admin::crisis_status(&server.server)
            .await
            .expect("status")
            .state
            .is_on()
    );
    desktop.close().await;
}

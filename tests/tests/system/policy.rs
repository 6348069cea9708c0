//! The policy guard on real desktops: findings flagged in the queue and the draft from the
//! same pack the server uses, an approval over a blocking finding asked for its reason
//! before it is queued (so the server's `override_required` never surprises an offline
//! reviewer), and a new organisation pack reaching the desktop and holding offline.

use crate::support::{Desktop, Keys, TestServer};
use countersign_app::{AppError, QueueFilter};
use countersign_core::finding::{Severity, Span};
use countersign_core::{HistoryEvent, Verdict};
use countersign_server::admin;
use countersign_server::trail::Trail;

const LEAKY: &str = "Hi Raj, we've sent a replacement voucher to raj.khanna82@gmail.com today.";
const CLEAN: &str = "Hi Gary, sorry for the wait. Your kettle is on its way and arrives Thursday.";

#[tokio::test]
async fn a_blocking_finding_is_flagged_offline_and_its_approval_needs_a_reason_first() {
    let server = TestServer::start().await;
    let alex = server.session("alex").await;
    let leaky = alex.create_draft(LEAKY, &[]).await;
    let clean = alex.create_draft(CLEAN, &[]).await;
    let rita = Desktop::signed_in(&server, "rita", Keys::Memory).await;

    let queue = rita.app.queue(QueueFilter::default()).await.expect("queue");
    let row = |id| queue.iter().find(|r| r.id == id).expect("in the queue");
    assert_eq!(
        row(leaky.id).risk,
        Some(Severity::Block),
        "the leak has a badge"
    );
    assert!(
        row(leaky.id).reviewed && row(clean.id).reviewed,
        "reviewed right after the sync"
    );
    assert_eq!(row(clean.id).risk, None, "the routine reply has none");
    let flagged = QueueFilter {
        has_findings: Some(true),
        ..QueueFilter::default()
    };
    let ids: Vec<_> = rita
        .app
        .queue(flagged)
        .await
        .expect("queue")
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(ids, [leaky.id], "the 'has findings' filter");

    let detail = rita.app.draft(leaky.id).await.expect("detail");
    let email = detail
        .findings
        .iter()
        .find(|f| f.rule == "personal_data.email")
        .expect("the e-mail address is found");
    let start = LEAKY.find("raj.khanna").map(|b| LEAKY[..b].chars().count());
    assert_eq!(
        Some(email.span),
        start.map(|s| Some(Span {
            start: s,
            end: s + "raj.khanna82@gmail.com".len()
        })),
        "the span covers exactly the address, in code points"
    );
    assert!(detail.measure.valid && detail.measure.limit == 280);

    let refused = rita
        .app
        .decide(leaky.id, Verdict::Approve, "", Some("  ".into()))
        .await
        .expect_err("a blank reason is no reason");
    assert!(
        matches!(&refused, AppError::OverrideRequired(f) if f.iter().all(|f| f.blocks())),
        "{refused:?}"
    );
    assert_eq!(refused.code(), "override_required");
    assert_eq!(rita.pending().await, 0, "nothing was queued");
    rita.app
        .decide(clean.id, Verdict::Approve, "", None)
        .await
        .expect("a clean draft needs no reason");
    rita.app
        .decide(
            leaky.id,
            Verdict::Approve,
            "",
            Some("Raj asked us to confirm the address in public".into()),
        )
        .await
        .expect("with a reason it is queued");
    let report = rita.app.sync_now().await.expect("sync");
    assert_eq!((report.applied, report.refused), (2, 0), "{report:?}");
    let stored = server.draft(leaky.id).await;
    assert!(
        stored.history.iter().any(|h| matches!(
            &h.event,
            HistoryEvent::Decided { override_reason: Some(r), .. } if r.contains("Raj asked")
        )),
        "the server recorded the override reason"
    );
}

#[tokio::test]
async fn a_new_organisation_pack_reaches_the_desktop_at_its_next_sync_and_holds_offline() {
    let server = TestServer::start().await;
    let alex = server.session("alex").await;
    let teaser = alex
        .create_draft(
            "Something new is coming to your shelves: Project Bluebird.",
            &[],
        )
        .await;
    let mut rita = Desktop::signed_in(&server, "rita", Keys::Memory).await;
    let rules = |d: &countersign_app::DraftDetail| -> Vec<String> {
        d.findings.iter().map(|f| f.rule.clone()).collect()
    };
    let before = rita.app.draft(teaser.id).await.expect("detail");
    assert!(rules(&before).is_empty(), "{:?}", before.findings);

    let pack =
        "format = 1\nname = \"Northwind\"\n[organisation]\ncode_names = [\"Project Bluebird\"]\n";
    admin::set_policy_pack(&server.server, &Trail::console(), pack.into())
        .await
        .expect("pack set");
    let report = rita.app.sync_now().await.expect("sync");
    assert!(
        report.policy_changed,
        "the directory named a new pack version"
    );
    let after = rita.app.draft(teaser.id).await.expect("detail");
    assert_eq!(rules(&after), ["confidential.code_name"]);
    let queue = rita.app.queue(QueueFilter::default()).await.expect("queue");
    assert_eq!(
        queue[0].risk,
        Some(Severity::Block),
        "the badge follows the new pack"
    );

    let again = rita.app.sync_now().await.expect("sync");
    assert!(
        !again.policy_changed,
        "the pack is fetched once per version"
    );

    // Offline: a restarted app reviews with the cached pack, not the built-in one.
    drop(server);
    rita.restart().await;
    let offline = rita.app.draft(teaser.id).await.expect("cached");
    assert_eq!(rules(&offline), ["confidential.code_name"]);
}

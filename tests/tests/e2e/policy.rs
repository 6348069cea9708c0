//! The policy guard in the real window: a finding listed before the body and marked in it
//! exactly where Rust says, `a` on a draft with a blocking finding asking for a reason in
//! the draft pane (an empty one refused, a given one sent with the approval), and the
//! queue's "has findings" filter holding every draft the demo marks as a breach, and the
//! pre-approved replies listed apart with the reply each matched.

use crate::harness::{enabled, queue_row};
use crate::webdriver::Session;
use crate::{choose_filter, demo_draft_containing, selected_id, server_draft, signed_in};
use countersign_core::HistoryEvent;
use serde_json::{Value, json};
use std::collections::BTreeSet;

const ENTER: &str = "\u{E007}";

/// One distinctive piece of text from each demo draft marked `.breaks(..)` in
/// crates/server/src/demo/{customer_care,brand}.rs, with what it breaks.
const BREACHES: &[(&str, &str)] = &[
    (
        "it says 'processing' because it's PROCESSING",
        "mocks a customer",
    ),
    ("07700 900461", "a customer's phone number"),
    ("raj.khanna82@gmail.com", "a customer's e-mail address"),
    ("Ava Sinclair's mum", "a named person's prescriptions"),
    ("4111 1111 1111 1111", "a full card number"),
    (
        "mum's blood pressure tablets",
        "a home address and health details",
    ),
    (
        "the fire brigade are here",
        "an unauthorised crisis speaker",
    ),
    ("Top 5 things customers asked us", "mocks customers"),
    ("onerror=alert(1)", "hostile HTML"),
    ("BLACK FRIDAY IS NEARLY HERE", "over-length X post"),
    (
        "Friday feeling at Leeds Briggate",
        "an image without alt text",
    ),
    ("Project Juniper", "a code name, internal only"),
    (
        "Swipe for the party edit",
        "a carousel image without alt text",
    ),
    (
        "On behalf of Hartwell & Lane's board",
        "an unauthorised crisis speaker",
    ),
    ("Lane Home candle collection", "an image without alt text"),
    ("Beauty counter confessions", "a joke about the fire"),
    ("Lane Home winter collection", "over-length Bluesky post"),
];

/// Scrolls the whole (virtual) queue top to bottom and returns every row as
/// `{id, risk}` (`risk` is the badge's `data-risk`, or null without a badge).
async fn all_rows(s: &Session) -> Vec<Value> {
    let rows = s
        .script(
            "return (async () => {
               const q = document.querySelector('[data-testid=queue]');
               const seen = new Map();
               const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
               q.scrollTop = 0;
               for (let i = 0; i < 400; i += 1) {
                 await frame();
                 for (const r of document.querySelectorAll('[data-testid=queue-row]')) {
                   const badge = r.querySelector('[data-testid=risk-badge]');
                   seen.set(r.dataset.id, {id: r.dataset.id, risk: badge ? badge.dataset.risk : null,
                     label: badge ? badge.getAttribute('aria-label') : null});
                 }
                 if (q.scrollTop + q.clientHeight >= q.scrollHeight - 1) break;
                 q.scrollTop += Math.max(40, Math.floor(q.clientHeight / 2));
               }
               q.scrollTop = 0;
               return [...seen.values()];
             })();",
            json!([]),
        )
        .await;
    serde_json::from_value(rows).expect("rows")
}

/// Scrolls the queue to the row of draft `id` and clicks it, then waits for its text.
async fn open_draft(s: &Session, id: &str, needle: &str) {
    let row = queue_row(s, id, "the draft's row", true, 200).await;
    s.click(&row).await;
    let body = s.find("[data-testid=draft-body]").await;
    s.wait_for("the draft to open", || async {
        s.text(&body).await.contains(needle).then_some(())
    })
    .await;
}

/// The listed findings, in order, as `{rule, severity, marked, text}`.
async fn listed_findings(s: &Session) -> Vec<Value> {
    let list = s
        .script(
            "return [...document.querySelectorAll('[data-testid=finding]')].map((li) => ({
               rule: li.dataset.rule, severity: li.dataset.severity,
               index: li.dataset.finding.split(' ')[0], marked: li.dataset.marked === 'true',
               text: li.textContent}));",
            json!([]),
        )
        .await;
    serde_json::from_value(list).expect("findings")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_email_address_is_listed_before_the_body_and_marked_exactly_in_it() {
    if !enabled() {
        return;
    }
    let (server, desktop) = signed_in().await;
    let s = &desktop.session;

    let address = "raj.khanna82@gmail.com";
    let draft = demo_draft_containing(&server, address).await;
    choose_filter(s, "findings", "has").await;
    open_draft(s, &draft.id.to_string(), address).await;

    let findings = s
        .wait_for("the e-mail finding", || async {
            let list = listed_findings(s).await;
            list.iter()
                .any(|f| f["rule"] == "personal_data.email")
                .then_some(list)
        })
        .await;
    let email = findings
        .iter()
        .find(|f| f["rule"] == "personal_data.email")
        .expect("listed");
    assert_eq!(email["severity"], "block", "an e-mail address blocks");
    assert_eq!(email["marked"], true, "it has a span, so it is marked");
    assert!(
        email["text"].as_str().unwrap_or_default().contains(address),
        "the list quotes what it found: {email}"
    );

    // The marks of that finding, joined, are the address and nothing else; the body as a
    // whole is the draft's text, not a character lost or added around the marks.
    let marks = s
        .script(
            "const i = arguments[0];
             const body = document.querySelector('[data-testid=draft-body]');
             const marks = [...body.querySelectorAll(`mark[data-findings~=\"${i}\"]`)];
             return {marked: marks.map((m) => m.textContent).join(''), marks: marks.length,
                     body: body.textContent,
                     panelFirst: !!(document.querySelector('[data-testid=findings]')
                        .compareDocumentPosition(body) & Node.DOCUMENT_POSITION_FOLLOWING)};",
            json!([email["index"]]),
        )
        .await;
    assert_eq!(
        marks["marked"], address,
        "the mark is exactly the address: {marks}"
    );
    assert_eq!(marks["body"], json!(draft.body), "the body text is intact");
    assert_eq!(
        marks["panelFirst"], true,
        "the findings come before the body in reading order"
    );

    // Focusing the finding in the list emphasises its mark.
    let emphasised = s
        .script(
            "const li = [...document.querySelectorAll('[data-testid=finding]')]
               .find((l) => l.dataset.finding.split(' ').includes(arguments[0]));
             li.focus();
             return [...document.querySelectorAll('[data-testid=draft-body] mark.emphasis')]
               .map((m) => m.textContent).join('');",
            json!([email["index"]]),
        )
        .await;
    assert_eq!(
        emphasised, address,
        "focus on the finding outlines its mark"
    );

    // The README's picture: a draft with several findings marked (the pharmacy gossip).
    let gossip = demo_draft_containing(&server, "Ava Sinclair's mum").await;
    open_draft(s, &gossip.id.to_string(), "Ava Sinclair").await;
    s.wait_for("the health finding", || async {
        let list = listed_findings(s).await;
        list.iter()
            .any(|f| f["rule"].as_str().is_some_and(|r| r.starts_with("health.")))
            .then_some(())
    })
    .await;
    // For the picture: the crisis banner dismissed, the first finding focused (its mark
    // outlined), and the post scrolled fully into view below the findings.
    if let Some(dismiss) = s
        .find_all("[data-testid=crisis-banner]:not([hidden]) [data-action=crisis-dismiss]")
        .await
        .into_iter()
        .next()
    {
        s.click(&dismiss).await;
    }
    s.script(
        "document.querySelector('[data-testid=finding]').focus();",
        json!([]),
    )
    .await;
    s.script(
        "document.querySelector('[data-testid=draft-body]').closest('article')
           .scrollIntoView({block: 'nearest'});",
        json!([]),
    )
    .await;
    desktop.shot("draft-findings").await;
    desktop.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_on_a_blocking_draft_asks_why_refuses_an_empty_reason_and_queues_the_override() {
    if !enabled() {
        return;
    }
    let (server, desktop) = signed_in().await;
    let s = &desktop.session;

    let card = "4111 1111 1111 1111";
    let draft = demo_draft_containing(&server, card).await;
    let id = draft.id.to_string();
    choose_filter(s, "findings", "has").await;
    open_draft(s, &id, card).await;
    s.wait_for("its findings", || async {
        (!listed_findings(s).await.is_empty()).then_some(())
    })
    .await;

    // `a`, from the queue, as every approval starts.
    s.script(
        "document.querySelector('[data-testid=queue]').focus();",
        json!([]),
    )
    .await;
    s.press("a").await;
    let prompt = s.find("[data-testid=override-prompt]").await;
    let title = s.text(&prompt).await;
    assert!(
        title.contains("Approving over 1 blocking finding: say why"),
        "the prompt says what it approves over: {title:?}"
    );
    let focused = s
        .script(
            "return document.activeElement?.dataset?.testid ?? null;",
            json!([]),
        )
        .await;
    assert_eq!(focused, "override-reason", "the reason field has the focus");
    let pending = s.find("[data-testid=status-pending]").await;
    assert!(
        !s.text(&pending).await.contains("waiting"),
        "nothing is queued before a reason is given"
    );

    // Enter with nothing typed is refused, with a message, and the prompt stays.
    s.press(ENTER).await;
    let error = s
        .wait_for("the refusal", || async {
            let found = s.find_all("[data-testid=composer-error]").await;
            match found.first() {
                Some(e) => Some(s.text(e).await),
                None => None,
            }
        })
        .await;
    assert!(error.contains("A reason is required"), "{error:?}");
    assert!(
        !s.find_all("[data-testid=override-prompt]").await.is_empty(),
        "still asking"
    );
    assert!(
        !s.text(&pending).await.contains("waiting"),
        "nothing queued"
    );

    // Typing the reason: its letters (a, j, k, r, c, s...) are text, not shortcuts.
    let reason =
        "Dan asked for the card check in public; the number is a test card, cleared with him.";
    let field = s.find("[data-testid=override-reason]").await;
    s.type_into(&field, reason).await;
    let typed = s
        .script(
            "return document.querySelector('[data-testid=override-reason]').value;",
            json!([]),
        )
        .await;
    assert_eq!(typed, reason, "every key went into the field");
    assert_eq!(
        selected_id(&desktop).await,
        id,
        "j/k in the reason did not move the selection"
    );
    assert!(
        s.find_all("[data-testid=composer]").await.is_empty(),
        "r/c/m in the reason opened no other composer"
    );
    desktop.shot("override-prompt").await;

    // Enter sends the approval with the reason; the row shows the local decision at once.
    s.script(
        "const id = arguments[0]; window.__seen = [];
         new MutationObserver(() => {
           const row = document.querySelector(`[data-testid=queue-row][data-id=\"${id}\"]`);
           window.__seen.push(row ? row.dataset.state : 'gone');
         }).observe(document.body, {subtree: true, childList: true, attributes: true,
           attributeFilter: ['data-state']});",
        json!([id]),
    )
    .await;
    s.press(ENTER).await;
    s.wait_for("the approval to show as the local decision", || async {
        let seen = s.script("return window.__seen;", json!([])).await;
        let states: Vec<String> = serde_json::from_value(seen).unwrap_or_default();
        states
            .iter()
            .any(|state| state.starts_with("decided"))
            .then_some(())
    })
    .await;
    assert!(
        s.find_all("[data-testid=override-prompt]").await.is_empty(),
        "the prompt closed"
    );
    let recorded = s
        .wait_for("the server to record the override", || async {
            server_draft(&server, &id)
                .await
                .history
                .iter()
                .find_map(|h| match &h.event {
                    HistoryEvent::Decided {
                        override_reason, ..
                    } => override_reason.clone(),
                    _ => None,
                })
        })
        .await;
    assert_eq!(recorded, reason, "the reason reached the server as typed");
    desktop.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_has_findings_filter_lists_only_flagged_drafts_and_every_demo_breach() {
    if !enabled() {
        return;
    }
    let (server, desktop) = signed_in().await;
    let s = &desktop.session;

    let mut breaches = Vec::new();
    for (needle, what) in BREACHES {
        let draft = demo_draft_containing(&server, needle).await;
        breaches.push((draft.id.to_string(), *needle, *what));
    }

    // Everything the reviewer has, once the guard has looked at all of it.
    let everything = s
        .wait_for("the guard to check every draft", || async {
            let rows = all_rows(s).await;
            let checked = rows.len() >= 20 && rows.iter().all(|r| r["risk"] != "unreviewed");
            checked.then_some(rows)
        })
        .await;
    let ids: BTreeSet<String> = everything
        .iter()
        .filter_map(|r| r["id"].as_str().map(str::to_owned))
        .collect();
    let flagged_everywhere: BTreeSet<String> = everything
        .iter()
        .filter(|r| r["risk"] == "block" || r["risk"] == "warn")
        .filter_map(|r| r["id"].as_str().map(str::to_owned))
        .collect();
    for (id, needle, what) in &breaches {
        assert!(
            ids.contains(id),
            "the reviewer's queue holds the breach {needle:?} ({what})"
        );
    }

    choose_filter(s, "findings", "has").await;
    let listed = s
        .wait_for("the filtered queue", || async {
            let rows = all_rows(s).await;
            let filtered = !rows.is_empty()
                && rows.len() < everything.len()
                && rows
                    .iter()
                    .all(|r| r["risk"] == "block" || r["risk"] == "warn");
            filtered.then_some(rows)
        })
        .await;
    desktop.shot("queue-findings").await;
    let listed_ids: BTreeSet<String> = listed
        .iter()
        .filter_map(|r| r["id"].as_str().map(str::to_owned))
        .collect();
    for row in &listed {
        let label = row["label"].as_str().unwrap_or_default();
        assert!(
            label.ends_with(", blocking") || label.ends_with(", warning"),
            "every listed row says how serious, in words: {row}"
        );
    }
    for (id, needle, what) in &breaches {
        assert!(
            listed_ids.contains(id),
            "the breach {needle:?} ({what}) is among the drafts with findings"
        );
    }
    assert_eq!(
        listed_ids, flagged_everywhere,
        "the filter lists exactly the rows badged block or warn in the whole queue"
    );

    // The rest of the list, for the README when it does not fit on one screen.
    s.script(
        "const q = document.querySelector('[data-testid=queue]'); q.scrollTop = q.scrollHeight;",
        json!([]),
    )
    .await;
    desktop.shot("queue-findings-more").await;

    // "No findings" is the complement: nothing flagged, nothing the filter above listed.
    choose_filter(s, "findings", "none").await;
    let clean = s
        .wait_for("the clean drafts", || async {
            let rows = all_rows(s).await;
            let ok = !rows.is_empty()
                && rows
                    .iter()
                    .all(|r| r["risk"].is_null() || r["risk"] == "info");
            ok.then_some(rows)
        })
        .await;
    for row in &clean {
        let id = row["id"].as_str().unwrap_or_default();
        assert!(!listed_ids.contains(id), "{id} is in both lists");
    }
    assert_eq!(
        clean.len() + listed.len(),
        everything.len(),
        "the two filters split the queue between them"
    );

    // What went out without review: the demo's pre-approved "late delivery" reply, apart
    // from the queue, saying which reply it matched.
    choose_filter(s, "findings", "pre").await;
    let pre = s
        .wait_for("the pre-approved replies", || async {
            let rows = all_rows(s).await;
            (rows.len() == 1 && rows[0]["risk"] == "pre").then_some(rows)
        })
        .await;
    let label = pre[0]["label"].as_str().unwrap_or_default();
    assert!(
        label.contains("late-delivery"),
        "the row names the reply: {label}"
    );
    let id = pre[0]["id"].as_str().unwrap_or_default().to_owned();
    open_draft(s, &id, "Sorry to hear that, Priya").await;
    let pane = s.find("[data-testid=draft-detail]").await;
    s.wait_for("the route to be explained", || async {
        s.text(&pane).await.contains("late-delivery").then_some(())
    })
    .await;
    desktop.shot("pre-approved").await;
    desktop.close().await;
}

//! Versions in the real window: the reviewer opens a draft (version 1), moves on; the
//! author edits it twice over HTTP; after a sync the draft says it changed since the
//! version the reviewer saw, `d` shows that change with the word diff, and picking two
//! other versions shows the change between them.

use crate::annotations::{authors_draft, token};
use crate::harness::{Desktop, demo_server, enabled, open_row};
use crate::webdriver::Session;
use countersign_core::Draft;
use countersign_tests::LoopbackServer;
use serde_json::{Value, json};

const ESCAPE: &str = "\u{E00C}";

const V1: &str = "Hi Jamie 😀 your order ships Thursday from our Leeds store.";
const V2: &str = "Hi Jamie 😀 your order ships on Friday from our Leeds store.";
const V3: &str = "Hi Jamie 😀 your order ships on Friday from our York store. Sorry!";

/// The author's edit over HTTP, as their editor makes it.
async fn edit(server: &LoopbackServer, author: &str, draft: &Draft, body: &str) -> Draft {
    let answer = reqwest::Client::new()
        .patch(format!("{}/api/v1/drafts/{}", server.url(), draft.id))
        .bearer_auth(author)
        .json(&json!({"version": draft.version, "body": body}))
        .send()
        .await
        .expect("edit the draft");
    assert!(answer.status().is_success(), "{}", answer.status());
    answer.json().await.expect("the edited draft")
}

/// The overlay's diff as `TAG:text` for each change.
async fn changes(s: &Session) -> Value {
    s.script(
        "return [...document.querySelectorAll('[data-testid=versions-diff] del, [data-testid=versions-diff] ins')]
           .map((e) => `${e.tagName}:${e.textContent}`);",
        json!([]),
    )
    .await
}

/// Picks `version` in the overlay's `which` select (`versions-from`, `versions-to`), as a
/// person choosing from the menu would.
async fn pick(s: &Session, which: &str, version: u64) {
    s.script(
        "const select = document.querySelector(`[data-testid=${arguments[0]}]`);
         select.value = String(arguments[1]);
         select.dispatchEvent(new Event('change', {bubbles: true}));",
        json!([which, version]),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d_shows_what_changed_since_the_version_last_seen_and_between_any_two() {
    if !enabled() {
        return;
    }
    let server = demo_server().await;
    let sam = token(&server, "sam.patel").await;
    let v1 = authors_draft(&server, &sam, V1).await;
    let id = v1.id.to_string();
    let desktop = Desktop::launch_with(&server.url(), &[]).await;
    desktop.sign_in("david.chen").await;
    let s = &desktop.session;

    // Seen at version 1, then another draft.
    open_row(s, &id, "the draft").await;
    let other = s
        .script(
            "return [...document.querySelectorAll('[data-testid=queue-row]')]
               .map((r) => r.dataset.id).find((rid) => rid !== arguments[0]) ?? null;",
            json!([id]),
        )
        .await;
    let other = other
        .as_str()
        .expect("another draft in the queue")
        .to_owned();
    open_row(s, &other, "another draft").await;

    // The author edits it twice.
    let v2 = edit(&server, &sam, &v1, V2).await;
    let v3 = edit(&server, &sam, &v2, V3).await;
    assert_eq!(v3.version, 3);
    s.press("s").await;

    // The edits arrive while another draft is open (its queue row shows the new text);
    // back on it, it says it changed since version 1.
    s.wait_for("the edits to arrive", || async {
        let preview = s
            .script(
                "const row = document.querySelector(`[data-testid=queue-row][data-id=\"${arguments[0]}\"]`);
                 if (row) return row.querySelector('.row-preview')?.textContent ?? '';
                 const q = document.querySelector('[data-testid=queue]');
                 q.scrollTop = q.scrollTop + q.clientHeight >= q.scrollHeight ? 0 : q.scrollTop + 300;
                 return null;",
                json!([id]),
            )
            .await;
        preview
            .as_str()
            .is_some_and(|p| p.contains("York"))
            .then_some(())
    })
    .await;
    open_row(s, &id, "the draft").await;
    s.wait_for("version 3 in the pane", || async {
        let text = s
            .script(
                "return document.querySelector('[data-testid=draft-body]')?.textContent ?? '';",
                json!([]),
            )
            .await;
        (text == json!(V3)).then_some(())
    })
    .await;
    let button = s.find("[data-testid=versions-open]").await;
    assert!(
        s.text(&button)
            .await
            .contains("version 3 · changed since v1"),
        "{}",
        s.text(&button).await
    );

    s.press("d").await;
    s.find("[data-testid=versions]").await;
    let lede = s.find("[data-testid=versions-lede]").await;
    assert_eq!(
        s.text(&lede).await,
        "What changed since you last saw it (version 1)."
    );
    assert_eq!(
        changes(s).await,
        // The word diff keeps a space with the words it joins ("Thursday " → "on Friday ").
        json!([
            "DEL:Thursday ",
            "INS:on Friday ",
            "DEL:Leeds",
            "INS:York",
            "INS: Sorry!"
        ])
    );
    let count = s.find("[data-testid=versions-count]").await;
    assert_eq!(s.text(&count).await, "3 changes");
    desktop.shot("versions").await;
    crate::harness::assert_accessible(s, "versions").await;

    // Any two versions: 1 → 2 is the day alone, 2 → 3 the store and the apology.
    pick(s, "versions-to", 2).await;
    assert_eq!(changes(s).await, json!(["DEL:Thursday", "INS:on Friday"]));
    pick(s, "versions-from", 2).await;
    pick(s, "versions-to", 3).await;
    assert_eq!(
        changes(s).await,
        json!(["DEL:Leeds", "INS:York", "INS: Sorry!"])
    );

    s.press(ESCAPE).await;
    s.wait_for("the overlay to close", || async {
        s.find_all("[data-testid=versions]")
            .await
            .is_empty()
            .then_some(())
    })
    .await;
    desktop.close().await;
}

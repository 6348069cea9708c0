//! Search in the real window: `/` focuses the search box, typing finds drafts by words in
//! their body and by their channel (FTS5 in the encrypted cache, asked through
//! `queue_page`), the matched words are marked in the rows, the search combines with the
//! filter menus, and Escape clears it and gives the keyboard back to the queue.

use crate::harness::{assert_accessible, enabled};
use crate::webdriver::Session;
use crate::{choose_filter, queue_count, signed_in};
use serde_json::{Value, json};

/// The rows drawn: id, channel, preview text, and the words marked in each.
async fn rows(s: &Session) -> Vec<Value> {
    let rows = s
        .script(
            "return [...document.querySelectorAll('[data-testid=queue-row]')].map((r) => ({
               id: r.dataset.id,
               channel: r.querySelector('.row-channel')?.textContent ?? '',
               preview: r.querySelector('.row-preview')?.textContent ?? '',
               marks: [...r.querySelectorAll('mark')].map((m) => m.textContent),
               channelMarks: [...r.querySelectorAll('.row-channel mark')].map((m) => m.textContent),
             }));",
            json!([]),
        )
        .await;
    rows.as_array().cloned().unwrap_or_default()
}

/// The queue heading's count of drafts ("12 to review · 1 decided" → 13).
async fn counted(s: &Session) -> u64 {
    queue_count(s)
        .await
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse::<u64>().ok())
        .sum()
}

/// Waits until every drawn row passes `ok` and there is at least one (or none, with `empty`).
async fn wait_rows(
    s: &Session,
    what: &str,
    empty: bool,
    ok: impl Fn(&Value) -> bool,
) -> Vec<Value> {
    s.wait_for(what, || async {
        let rows = rows(s).await;
        let shown = s
            .script(
                "return !document.getElementById('queue-empty').hidden;",
                json!([]),
            )
            .await;
        if empty {
            (rows.is_empty() && shown == json!(true)).then_some(rows)
        } else {
            (!rows.is_empty() && rows.iter().all(&ok)).then_some(rows)
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_finds_drafts_by_their_words_and_channel_combined_with_filters() {
    if !enabled() {
        return;
    }
    let (_server, desktop) = signed_in().await;
    let s = &desktop.session;
    s.find("[data-testid=queue-row]").await;
    let whole = s
        .wait_for("the demo queue to be synced", || async {
            let n = counted(s).await;
            (n >= 40).then_some(n)
        })
        .await;

    // `/` puts the keyboard in the search box.
    s.press("/").await;
    let focused = s
        .script(
            "return document.activeElement?.dataset.testid ?? null;",
            json!([]),
        )
        .await;
    assert_eq!(focused, json!("queue-search"));

    // Words in a body, found as they are typed (a prefix), marked in the row.
    let search = s.find("[data-testid=queue-search]").await;
    s.type_into(&search, "Junip").await;
    let found = wait_rows(s, "the draft about Project Juniper", false, |r| {
        r["preview"]
            .as_str()
            .unwrap_or_default()
            .contains("Juniper")
    })
    .await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        found[0]["marks"],
        json!(["Juniper"]),
        "the word is marked: {found:?}"
    );
    assert_eq!(counted(s).await, 1);
    desktop.shot("search").await;
    assert_accessible(s, "the queue searched").await;

    // The search combines with a filter: the Juniper draft breaks a rule.
    choose_filter(s, "findings", "none").await;
    wait_rows(s, "no clean draft mentions Juniper", true, |_| true).await;
    let empty = s
        .script(
            "return document.getElementById('queue-empty').textContent;",
            json!([]),
        )
        .await;
    assert!(
        empty.as_str().unwrap_or_default().contains("Junip"),
        "the empty queue says what was searched: {empty}"
    );
    choose_filter(s, "findings", "").await;

    // A channel: every row found is on one of the brand's accounts (Instagram and Threads
    // `@hartwellandlane`, Facebook `facebook.com/hartwellandlane`), the name marked.
    s.press("/").await;
    s.script(
        "const box = document.querySelector('[data-testid=queue-search]'); box.value = '';",
        json!([]),
    )
    .await;
    s.type_into(&search, "hartwellandlane").await;
    let on_channel = wait_rows(
        s,
        "the drafts of the hartwellandlane accounts",
        false,
        |r| {
            r["channel"]
                .as_str()
                .unwrap_or_default()
                .contains("hartwellandlane")
                // Marked: these are the channel's results, not the last search's rows.
                && r["channelMarks"] == json!(["hartwellandlane"])
        },
    )
    .await;
    assert!(
        on_channel
            .iter()
            .all(|r| r["channelMarks"] == json!(["hartwellandlane"])),
        "{on_channel:?}"
    );
    let on_channel_count = counted(s).await;
    assert!(
        on_channel_count >= 2 && on_channel_count < whole,
        "{on_channel_count} of {whole}"
    );

    // And with a network filter on top: Instagram only (Threads shares the handle).
    choose_filter(s, "network", "instagram").await;
    let instagram = s
        .wait_for("only Instagram drafts of the channel", || async {
            let n = counted(s).await;
            (n > 0 && n < on_channel_count).then_some(n)
        })
        .await;
    assert!(instagram > 0);
    choose_filter(s, "network", "").await;

    // Escape clears the search: the whole queue again, the keyboard on it.
    s.click(&search).await;
    s.press("\u{E00C}").await;
    s.wait_for("the whole queue back", || async {
        (counted(s).await == whole).then_some(())
    })
    .await;
    let after = s
        .script(
            "return {value: document.querySelector('[data-testid=queue-search]').value,
                     focused: document.activeElement?.dataset.testid ?? null,
                     marks: document.querySelectorAll('[data-testid=queue-row] mark').length};",
            json!([]),
        )
        .await;
    assert_eq!(after, json!({"value": "", "focused": "queue", "marks": 0}));
    // j moves on the queue again.
    let before = s
        .script(
            "return document.querySelector('[data-testid=queue-row][aria-selected=true]')?.dataset.index;",
            json!([]),
        )
        .await;
    s.press("j").await;
    s.wait_for("j to move the selection", || async {
        let now = s
            .script(
                "return document.querySelector('[data-testid=queue-row][aria-selected=true]')?.dataset.index;",
                json!([]),
            )
            .await;
        (now != before).then_some(())
    })
    .await;
    desktop.close().await;
}

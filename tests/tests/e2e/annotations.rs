//! Comments on the words in the real window: the reviewer selects words of a draft whose
//! text starts with an emoji (one code point, two UTF-16 units: an offset counted the
//! JavaScript way would land one character off) — with the mouse, and with `v` and the
//! arrow keys — and `m` comments on them with a suggested replacement. The server gets
//! the words' code-point position; the author accepts the suggestion over HTTP; after a
//! sync the reviewer sees the new version, the comment marked accepted, and `d` shows the
//! change.

use crate::harness::{DEMO_PASSWORD, Desktop, demo_server, enabled, open_row};
use crate::server_draft;
use crate::webdriver::Session;
use countersign_core::wire::SessionResponse;
use countersign_core::{Annotation, Draft, HistoryEvent};
use countersign_tests::LoopbackServer;
use serde_json::{Value, json};

/// W3C WebDriver key values.
pub(crate) const SHIFT: &str = "\u{E008}";
pub(crate) const CONTROL: &str = "\u{E009}";
const ESCAPE: &str = "\u{E00C}";
const ENTER: &str = "\u{E007}";
const LEFT: &str = "\u{E012}";
const RIGHT: &str = "\u{E014}";

/// The draft's text: an emoji first, a flag (two code points) before the words commented on.
const BODY: &str = "😀 Thanks Jamie! Your 🇬🇧 parcel ships Thursday, sorry for the wait.";

/// A bearer token for `username` (a demo account), from the real sign-in endpoint.
pub(crate) async fn token(server: &LoopbackServer, username: &str) -> String {
    let session: SessionResponse = reqwest::Client::new()
        .post(format!("{}/api/v1/sessions", server.url()))
        .json(&json!({"username": username, "password": DEMO_PASSWORD}))
        .send()
        .await
        .expect("sign in over HTTP")
        .json()
        .await
        .expect("session");
    session.access_token
}

/// Sam Patel, a Customer Care author, writes a draft for the care X account.
pub(crate) async fn authors_draft(server: &LoopbackServer, author: &str, body: &str) -> Draft {
    let answer = reqwest::Client::new()
        .post(format!("{}/api/v1/drafts", server.url()))
        .bearer_auth(author)
        .json(&json!({"network": "x", "channel": "@HartwellHelp", "body": body}))
        .send()
        .await
        .expect("create the draft");
    assert!(answer.status().is_success(), "{}", answer.status());
    answer.json().await.expect("the draft")
}

/// Code points of `BODY` before `needle` (the wire's unit).
fn code_points_before(body: &str, needle: &str) -> usize {
    body[..body.find(needle).expect("in the body")]
        .chars()
        .count()
}

/// The comments on the server's copy of the draft.
fn annotations(draft: &Draft) -> Vec<Annotation> {
    draft
        .history
        .iter()
        .filter_map(|h| match &h.event {
            HistoryEvent::Annotated { annotation } => Some(annotation.clone()),
            _ => None,
        })
        .collect()
}

/// The pane's draft body text.
async fn body_text(s: &Session) -> String {
    s.script(
        "return document.querySelector('[data-testid=draft-body]')?.textContent ?? '';",
        json!([]),
    )
    .await
    .as_str()
    .unwrap_or_default()
    .to_owned()
}

/// The line under the body while selecting (drawn anew on every key, so read afresh).
async fn hint(s: &Session) -> String {
    s.script(
        "return document.querySelector('[data-testid=selection-hint]')?.textContent ?? '';",
        json!([]),
    )
    .await
    .as_str()
    .unwrap_or_default()
    .to_owned()
}

/// The listed comments as `{id, state, accepted, text}`.
async fn listed(s: &Session) -> Vec<Value> {
    let list = s
        .script(
            "return [...document.querySelectorAll('[data-testid=annotation]')].map((li) => ({
               id: li.dataset.annotation, state: li.dataset.state,
               accepted: li.dataset.accepted === 'true', text: li.textContent}));",
            json!([]),
        )
        .await;
    serde_json::from_value(list).expect("annotations")
}

/// Runs the accessibility check on the screen as it is, when the suite has one.
async fn accessible(desktop: &Desktop, screen: &str) {
    crate::harness::assert_accessible(&desktop.session, screen).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_comment_on_selected_words_suggests_a_replacement_the_author_accepts() {
    if !enabled() {
        return;
    }
    let server = demo_server().await;
    let sam = token(&server, "sam.patel").await;
    let draft = authors_draft(&server, &sam, BODY).await;
    let id = draft.id.to_string();
    let desktop = Desktop::launch_with(&server.url(), &[]).await;
    desktop.sign_in("david.chen").await;
    let s = &desktop.session;
    open_row(s, &id, "the new draft").await;

    // The mouse: words selected in the body (across the flag) and `m` quotes exactly them.
    s.script(
        "const body = document.querySelector('[data-testid=draft-body]');
         const at = (needle) => {
           const walk = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
           for (let n = walk.nextNode(); n; n = walk.nextNode()) {
             const i = n.data.indexOf(needle);
             if (i >= 0) return [n, i];
           }
           throw new Error(`no ${needle} in the body`);
         };
         const range = document.createRange();
         range.setStart(...at('Your'));
         range.setEnd(...at(' ships'));
         const sel = getSelection();
         sel.removeAllRanges();
         sel.addRange(range);",
        json!([]),
    )
    .await;
    s.press("m").await;
    let quote = s.find("[data-testid=composer-quote]").await;
    assert_eq!(s.text(&quote).await, "Your 🇬🇧 parcel");
    s.find("[data-testid=composer-suggestion]").await;
    s.press(ESCAPE).await;
    s.wait_for("the composer to close", || async {
        s.find_all("[data-testid=composer]")
            .await
            .is_empty()
            .then_some(())
    })
    .await;

    // The keyboard: `v`, the caret walks to "Thursday" one character at a time (the emoji
    // and the flag are one step each), Shift+Ctrl+→ takes the word.
    s.press("v").await;
    s.find("[data-testid=selection-hint]").await;
    s.find("[data-testid=draft-body] [data-testid=selection-caret]")
        .await;
    let steps = BODY[..BODY.find("Thursday").expect("in the body")]
        .chars()
        .count()
        // The flag is two code points but one character on screen.
        - 1;
    let rights = vec![RIGHT; steps];
    s.press_keys(&rights).await;
    s.press_holding(&[SHIFT, CONTROL], &[RIGHT]).await;
    s.wait_for("the word to be selected", || async {
        hint(s)
            .await
            .starts_with("Selected: “Thursday”")
            .then_some(())
    })
    .await;
    assert_eq!(body_text(s).await, BODY, "selecting changes no text");
    // One more Shift+→ takes the comma, Shift+← gives it back.
    s.press_holding(&[SHIFT], &[RIGHT]).await;
    s.wait_for("the comma too", || async {
        hint(s)
            .await
            .starts_with("Selected: “Thursday,”")
            .then_some(())
    })
    .await;
    s.press_holding(&[SHIFT], &[LEFT]).await;
    s.wait_for("back to the word", || async {
        hint(s)
            .await
            .starts_with("Selected: “Thursday”")
            .then_some(())
    })
    .await;
    desktop.shot("annotation-select").await;
    accessible(&desktop, "selecting words").await;

    s.press("m").await;
    let quote = s.find("[data-testid=composer-quote]").await;
    assert_eq!(s.text(&quote).await, "Thursday");
    let comment = s.find("[data-testid=composer-input]").await;
    s.type_into(
        &comment,
        "Thursday is too late: the customer was promised tomorrow.",
    )
    .await;
    let suggestion = s.find("[data-testid=composer-suggestion]").await;
    s.type_into(&suggestion, "tomorrow").await;
    desktop.shot("annotation-composer").await;
    accessible(&desktop, "comment on words").await;
    s.press(ENTER).await;

    // Marked in the body at once (not yet synced), the text intact.
    let marked = s
        .wait_for("the comment's mark", || async {
            let text = s
                .script(
                    "return [...document.querySelectorAll('[data-testid=draft-body] mark[data-annotations]')]
                       .map((m) => m.textContent).join('|') || null;",
                    json!([]),
                )
                .await;
            text.as_str().map(str::to_owned)
        })
        .await;
    assert_eq!(marked, "Thursday");
    assert_eq!(body_text(s).await, BODY);

    // Synced: the server has the words by code point, and the suggestion.
    s.press("s").await;
    let note = s
        .wait_for("the server to have the comment", || async {
            annotations(&server_draft(&server, &id).await)
                .into_iter()
                .next()
        })
        .await;
    let start = code_points_before(BODY, "Thursday");
    let target = note.target.as_ref().expect("on words");
    assert_eq!(target.quote.exact, "Thursday");
    let position = target.position.expect("a position");
    assert_eq!(
        (position.start as usize, position.end as usize),
        (start, start + 8),
        "code points, not UTF-16 units"
    );
    assert_eq!(note.suggestion.as_deref(), Some("tomorrow"));

    // The author accepts it over HTTP: a new version with the words replaced.
    let answer = reqwest::Client::new()
        .post(format!(
            "{}/api/v1/drafts/{id}/suggestions/{}/accept",
            server.url(),
            note.id
        ))
        .bearer_auth(&sam)
        .json(&json!({"version": draft.version}))
        .send()
        .await
        .expect("accept");
    assert!(answer.status().is_success(), "{}", answer.status());
    let accepted: Draft = answer.json().await.expect("the new version");
    let new_body = BODY.replace("Thursday", "tomorrow");
    assert_eq!(accepted.body, new_body);
    assert_eq!(accepted.version, draft.version + 1);

    // After a sync the reviewer reads the new version, the comment marked accepted.
    s.press("s").await;
    s.wait_for("the new version in the pane", || async {
        (body_text(s).await == new_body).then_some(())
    })
    .await;
    let notes = s
        .wait_for("the comment marked accepted", || async {
            let list = listed(s).await;
            list.iter()
                .any(|n| n["accepted"] == json!(true))
                .then_some(list)
        })
        .await;
    assert_eq!(notes.len(), 1, "{notes:?}");
    let text = notes[0]["text"].as_str().unwrap_or_default();
    assert!(
        text.contains("Replace Thursday with tomorrow") && text.contains("Accepted by the author"),
        "{text}"
    );
    let history = s
        .script(
            "return document.querySelector('[data-testid=history]')?.textContent ?? '';",
            json!([]),
        )
        .await;
    assert!(
        history
            .as_str()
            .is_some_and(|h| h.contains("accepted a suggested edit")),
        "{history}"
    );
    desktop.shot("annotation-accepted").await;

    // `d`: what changed since the version the reviewer saw.
    s.press("d").await;
    s.find("[data-testid=versions]").await;
    let lede = s.find("[data-testid=versions-lede]").await;
    assert_eq!(
        s.text(&lede).await,
        format!(
            "What changed since you last saw it (version {}).",
            draft.version
        )
    );
    let changes = s
        .script(
            "return [...document.querySelectorAll('[data-testid=versions-diff] del, [data-testid=versions-diff] ins')]
               .map((e) => `${e.tagName}:${e.textContent}`);",
            json!([]),
        )
        .await;
    assert_eq!(changes, json!(["DEL:Thursday", "INS:tomorrow"]));
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

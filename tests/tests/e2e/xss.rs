//! Every server string in the window, hostile: a corpus of XSS payloads
//! (`xss-corpus.txt`: script, event handlers, `javascript:` URLs, SVG, MathML, CSS,
//! template syntax, attribute-breaking quotes, unicode tricks) written by the real server
//! into everything it sends the desktop that a person wrote — a draft's body, the customer
//! post it answers and its author's handle, an image's alt text, the channel's account,
//! the author's name, a comment in the history, the reviewer's own name, the crisis
//! reason and a spokesperson's name — and then opened in the real app in WebKit where
//! each renders: the queue, the draft pane with its findings and history, the crisis
//! banner, the conflicts list.
//!
//! For each payload and place: nothing runs (the payloads set `window.__xss` and call the
//! Tauri IPC to sign out, approve or comment: the marker stays unset, the app stays signed
//! in, nothing is queued and the server records no decision), no element is made from the
//! text (no `script`, `img`, `svg`, `math`, `iframe`, `style`, `a`, … and no `on*`
//! attribute anywhere in the document), and the text appears character for character as
//! the server holds it.

use crate::REVIEWER;
use crate::harness::{DEMO_PASSWORD, Desktop, enabled, open_row};
use crate::webdriver::Session;
use countersign_core::wire::PushRequest;
use countersign_core::wire::admin::NewChannel;
use countersign_core::{
    Annotation, AnnotationId, ClientId, Draft, HistoryEvent, InReplyTo, Media, Mutation,
    MutationId, MutationKind, Network, Role, Sensitive, Urgency,
};
use countersign_server::admin::{self, NewUser};
use countersign_server::trail::Trail;
use countersign_tests::LoopbackServer;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use uuid::Uuid;

const ENTER: &str = "\u{E007}";

/// Elements no server string may become, and attributes no element may carry. The window
/// makes none of these itself where server text is shown.
const FORBIDDEN: &str = "script, img, svg, math, iframe, frame, style, link, meta, base, object, \
    embed, a, video, audio, source, picture, template, input, form, button[formaction], \
    [href], [src], [srcdoc], [xlink\\:href], [action], [background], [style]:not(.queue-row)";

/// The corpus, with `\u{XXXX}` escapes turned into their characters.
fn corpus() -> Vec<String> {
    let text = include_str!("xss-corpus.txt");
    text.lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(unescape)
        .collect()
}

fn unescape(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(at) = rest.find("\\u{") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 3..];
        let end = after.find('}').expect("a closing brace in the corpus");
        let code = u32::from_str_radix(&after[..end], 16).expect("hex in the corpus");
        out.push(char::from_u32(code).expect("a character in the corpus"));
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// A loopback proxy in front of the real server that, once told, rewrites the answer to a
/// push: each result about a draft in its list becomes a refusal (`forbidden` or `invalid`)
/// whose sentence is a payload — what a hostile server can put in a conflict's message.
struct Rewriter {
    url: String,
    refusals: Arc<Mutex<HashMap<String, (&'static str, String)>>>,
    /// While set, every changes page is answered with a field of the wrong type.
    broken_feed: Arc<std::sync::atomic::AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl Rewriter {
    async fn start(upstream: String) -> Rewriter {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let refusals: Arc<Mutex<HashMap<String, (&'static str, String)>>> = Arc::default();
        let shared = Arc::clone(&refusals);
        let broken_feed = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let broken = Arc::clone(&broken_feed);
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (http, upstream, refusals) =
                    (http.clone(), upstream.clone(), Arc::clone(&shared));
                let broken = broken.load(std::sync::atomic::Ordering::SeqCst);
                tokio::spawn(async move {
                    let _ = relay(stream, &http, &upstream, &refusals, broken).await;
                });
            }
        });
        Rewriter {
            url,
            refusals,
            broken_feed,
            task,
        }
    }

    /// Breaks (or mends) the changes feed.
    fn break_feed(&self, broken: bool) {
        self.broken_feed
            .store(broken, std::sync::atomic::Ordering::SeqCst);
    }

    /// From now on, a push result about `draft` is refused as `status` with `message`.
    fn refuse(&self, draft: &Draft, status: &'static str, message: String) {
        self.refusals
            .lock()
            .expect("lock")
            .insert(draft.id.to_string(), (status, message));
    }
}

impl Drop for Rewriter {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn relay(
    mut stream: TcpStream,
    http: &reqwest::Client,
    upstream: &str,
    refusals: &Mutex<HashMap<String, (&'static str, String)>>,
    broken_feed: bool,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let head_end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let mut chunk = [0u8; 8192];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut start = lines.next().unwrap_or_default().split(' ');
    let method = start.next().unwrap_or_default().to_string();
    let target = start.next().unwrap_or_default().to_string();
    let mut call = http.request(
        reqwest::Method::from_bytes(method.as_bytes()).expect("a method"),
        format!("{upstream}{target}"),
    );
    let mut length = 0;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let (name, value) = (name.trim().to_ascii_lowercase(), value.trim());
        if name == "content-length" {
            length = value.parse().unwrap_or(0);
        }
        if matches!(name.as_str(), "authorization" | "content-type") {
            call = call.header(name, value);
        }
    }
    let mut body = buf[head_end..].to_vec();
    while body.len() < length {
        let mut chunk = vec![0u8; length - body.len()];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    let request: Value = serde_json::from_slice(&body).unwrap_or_default();
    // While the server is stopped (the test's offline phase) the proxy is as unreachable,
    // as far as the desktop can tell: the connection closes without an answer.
    let Ok(answer) = call.body(body).send().await else {
        return Ok(());
    };
    let status = answer.status().as_u16();
    let Ok(bytes) = answer.bytes().await else {
        return Ok(());
    };
    let mut bytes = bytes.to_vec();
    if broken_feed && target.starts_with("/api/v1/changes") && status == 200 {
        bytes = br#"{"changes": "none today", "next_cursor": "1", "has_more": false, "last_mutation_id": 0}"#.to_vec();
    }
    if target.starts_with("/api/v1/push") && status == 200 {
        let mut v: Value = serde_json::from_slice(&bytes).expect("a push answer");
        let refusals = refusals.lock().expect("lock").clone();
        let mutations = request["mutations"].as_array().cloned().unwrap_or_default();
        if let Some(results) = v["results"].as_array_mut() {
            for (result, mutation) in results.iter_mut().zip(&mutations) {
                let draft = mutation["annotation"]["draft_id"]
                    .as_str()
                    .or(mutation["decision"]["draft_id"].as_str())
                    .unwrap_or_default();
                if let Some((refusal, message)) = refusals.get(draft) {
                    *result = json!({"mutation_id": result["mutation_id"], "status": refusal,
                                     "message": message});
                }
            }
        }
        bytes = v.to_string().into_bytes();
    }
    let head = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        bytes.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(&bytes).await?;
    stream.shutdown().await
}

/// The server, with one channel, author and draft per payload, each draft carrying the
/// payload in every field a person writes, and a comment by its author.
struct World {
    server: LoopbackServer,
    payloads: Vec<String>,
    /// Per payload: the draft as the server holds it (after the comment).
    drafts: Vec<Draft>,
    reviewer_name: String,
    speaker_name: String,
    crisis_reason: String,
}

async fn world() -> World {
    let payloads = corpus();
    let server = LoopbackServer::start().await;
    let s = &server.server;
    let team = admin::create_team(s, &Trail::console(), "Customer Care")
        .await
        .expect("team");
    let user =
        |username: String, display_name: &str, roles: Vec<Role>, steps: Vec<String>| NewUser {
            username,
            display_name: display_name.to_string(),
            password: Sensitive::new(DEMO_PASSWORD.to_string()),
            roles,
            steps,
            teams: vec![team],
        };
    // The reviewer's own name is shown in the top bar: a payload too.
    let reviewer_name = payloads[0].clone();
    admin::add_user(
        s,
        &Trail::console(),
        user(
            REVIEWER.to_string(),
            &reviewer_name,
            vec![Role::Reviewer],
            vec!["review".into()],
        ),
    )
    .await
    .expect("the reviewer");
    let speaker_name = payloads[8].clone();
    admin::add_user(
        s,
        &Trail::console(),
        user(
            "speaker".into(),
            &speaker_name,
            vec![Role::Reviewer, Role::Spokesperson],
            vec!["review".into()],
        ),
    )
    .await
    .expect("a spokesperson");

    let mut drafts = Vec::new();
    for (i, payload) in payloads.iter().enumerate() {
        let channel = admin::add_channel(
            s,
            &Trail::console(),
            NewChannel {
                name: Some(format!("c{i}")),
                network: Network::Mastodon,
                account: payload.clone(),
                team: "Customer Care".into(),
                policy: vec![],
            },
        )
        .await
        .unwrap_or_else(|e| panic!("channel with account {payload:?}: {e}"));
        let author = admin::add_user(
            s,
            &Trail::console(),
            user(format!("author{i}"), payload, vec![Role::Author], vec![]),
        )
        .await
        .unwrap_or_else(|e| panic!("author named {payload:?}: {e}"));
        let draft = admin::create_draft(
            s,
            &Trail::console(),
            author,
            countersign_core::wire::NewDraft {
                team: None,
                network: Network::Mastodon,
                channel: channel.account.clone(),
                body: payload.clone(),
                urgency: Urgency::Normal,
                scheduled_at: None,
                required_steps: None,
                in_reply_to: Some(InReplyTo {
                    author: payload.clone(),
                    text: payload.clone(),
                    url: Some(format!("https://social.example/@customer/{i}")),
                }),
                media: vec![Media {
                    kind: "image".into(),
                    url: format!("https://cdn.example/{i}.png"),
                    alt_text: Some(payload.clone()),
                }],
            },
        )
        .await
        .unwrap_or_else(|e| panic!("draft {payload:?}: {e}"));
        // The author comments on their own draft: the payload in the history.
        let actor = admin::user_named(s, &format!("author{i}"))
            .await
            .expect("author")
            .actor();
        let comment = PushRequest {
            client_id: ClientId(Uuid::now_v7()),
            mutations: vec![Mutation {
                mutation_id: MutationId(1),
                kind: MutationKind::Annotate {
                    annotation: Annotation {
                        id: AnnotationId(Uuid::now_v7()),
                        draft_id: draft.id,
                        draft_version: draft.version,
                        body: payload.clone(),
                        suggestion: Some(payload.clone()),
                        target: None,
                    },
                },
            }],
            skip: None,
        };
        let answer = countersign_server::sync::push(s, &Trail::console(), &actor, comment)
            .await
            .expect("the author's comment");
        assert!(
            answer.results.iter().all(|r| r.took_effect()),
            "comment on {payload:?} applied: {answer:?}"
        );
        drafts.push(admin::draft(s, draft.id).await.expect("the draft"));
    }
    let crisis_reason = payloads[payloads.len() - 9].clone();
    World {
        server,
        payloads,
        drafts,
        reviewer_name,
        speaker_name,
        crisis_reason,
    }
}

/// What the page holds right now: the marker, whether still signed in, forbidden elements
/// inside `root` and `on*` attributes anywhere.
async fn inspect(s: &Session, root: &str) -> Value {
    s.script(
        "const [root, forbidden] = arguments;
         const scope = [...document.querySelectorAll(root)];
         const bad = scope.flatMap((r) => [...r.querySelectorAll(forbidden)])
           .map((e) => e.outerHTML.slice(0, 120));
         const handlers = [...document.querySelectorAll('*')]
           .filter((e) => [...e.attributes].some((a) => /^on/i.test(a.name)))
           .map((e) => e.tagName);
         return {marker: window.__xss ?? null, parentMarker: window.parent.__xss ?? null,
                 signedIn: !document.querySelector('#app').hidden, scope: scope.length,
                 bad, handlers,
                 scripts: document.scripts.length,
                 styles: document.querySelectorAll('style, link[rel~=stylesheet]').length};",
        json!([root, FORBIDDEN]),
    )
    .await
}

fn assert_clean(seen: &Value, baseline: &Value, place: &str) {
    assert_eq!(
        seen["marker"],
        Value::Null,
        "{place}: a payload ran: {seen}"
    );
    assert_eq!(
        seen["parentMarker"],
        Value::Null,
        "{place}: a payload ran: {seen}"
    );
    assert_eq!(
        seen["signedIn"],
        json!(true),
        "{place}: still signed in (no sign_out ran)"
    );
    assert!(
        seen["scope"].as_u64() > Some(0),
        "{place}: the place was on screen: {seen}"
    );
    assert_eq!(
        seen["bad"],
        json!([]),
        "{place}: no element made from server text"
    );
    assert_eq!(
        seen["handlers"],
        json!([]),
        "{place}: no on* attribute anywhere"
    );
    assert_eq!(
        seen["scripts"], baseline["scripts"],
        "{place}: no script added"
    );
    assert_eq!(
        seen["styles"], baseline["styles"],
        "{place}: no style sheet added"
    );
}

/// The texts of one element per selector inside the draft pane.
async fn pane_texts(s: &Session) -> Value {
    s.script(
        "const pane = document.querySelector('[data-testid=draft-detail]');
         const one = (css) => pane.querySelector(css)?.textContent ?? null;
         const all = (css) => [...pane.querySelectorAll(css)].map((e) => e.textContent);
         return {body: one('[data-testid=draft-body]'), reply: one('.reply-text'),
                 replyAuthor: one('.reply-head strong'), replyUrl: one('.reply-url'),
                 alt: one('.media-alt'), channel: one('.draft-channel'),
                 author: one('.draft-sub strong'), postChannel: one('.post-channel'),
                 quotes: all('.history .quote'), who: all('.history-line strong'),
                 notIsolated: [...document.querySelectorAll(
                     '[data-testid=draft-detail] strong, [data-testid=draft-detail] span, \
                      [data-testid=queue-row] span')]
                   .filter((e) => getComputedStyle(e).unicodeBidi !== 'isolate')
                   .map((e) => e.className || e.tagName)};",
        json!([]),
    )
    .await
}

/// The text of the first element matching `css`, or null. Read by script, in one step:
/// the queue re-renders its rows, and a WebDriver element looked up a moment earlier can be
/// stale by the time it is read.
async fn text_of(s: &Session, css: &str) -> Option<String> {
    s.script(
        "return document.querySelector(arguments[0])?.textContent ?? null;",
        json!([css]),
    )
    .await
    .as_str()
    .map(str::to_owned)
}

async fn choose_channel(s: &Session, account: &str) {
    s.script(
        "const select = document.querySelector('[data-testid=filter-channel]');
         select.value = arguments[0];
         select.dispatchEvent(new Event('change', {bubbles: true}));",
        json!([account]),
    )
    .await;
}

/// Narrows the queue to the draft's channel and opens it.
async fn open(s: &Session, draft: &Draft) {
    choose_channel(s, &draft.channel).await;
    open_row(s, &draft.id.to_string(), "the draft").await;
}

fn comment_of(draft: &Draft) -> (String, Option<String>) {
    draft
        .history
        .iter()
        .find_map(|h| match &h.event {
            HistoryEvent::Annotated { annotation } => {
                Some((annotation.body.clone(), annotation.suggestion.clone()))
            }
            _ => None,
        })
        .expect("the author's comment")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_server_string_is_shown_as_text_and_nothing_in_it_runs() {
    if !enabled() {
        return;
    }
    let mut w = world().await;
    let n = w.payloads.len();
    eprintln!("{n} payloads from xss-corpus.txt");
    let rewriter = Rewriter::start(w.server.url()).await;
    let desktop = Desktop::launch_with(&rewriter.url, &[]).await;
    desktop.sign_in(REVIEWER).await;
    let s = &desktop.session;
    let baseline = inspect(s, "body").await;

    // The top bar: the reviewer's own name.
    let name = s
        .script(
            "return document.querySelector('#user-name').textContent;",
            json!([]),
        )
        .await;
    assert_eq!(
        name,
        json!(w.reviewer_name),
        "the reviewer's name, literally"
    );

    // Each draft where it renders: its row in the queue, then the draft pane.
    for (i, draft) in w.drafts.iter().enumerate() {
        let place = format!("payload {i} {:?}", w.payloads[i]);
        open(s, draft).await;
        let row = inspect(
            s,
            &format!("[data-testid=queue-row][data-id=\"{}\"]", draft.id),
        )
        .await;
        assert_clean(&row, &baseline, &format!("{place}, queue row"));
        let row_text = s
            .script(
                "const r = document.querySelector(`[data-testid=queue-row][data-id=\"${arguments[0]}\"]`);
                 return {channel: r.querySelector('.row-channel').textContent,
                         author: r.querySelector('.row-author').textContent};",
                json!([draft.id.to_string()]),
            )
            .await;
        assert_eq!(
            row_text["channel"],
            json!(draft.channel),
            "{place}: row channel"
        );
        assert_eq!(
            row_text["author"],
            json!(draft.author.display_name),
            "{place}: row author"
        );

        let pane = inspect(s, "[data-testid=draft-detail]").await;
        assert_clean(&pane, &baseline, &format!("{place}, draft pane"));
        let texts = pane_texts(s).await;
        let reply = draft.in_reply_to.as_ref().expect("a customer post");
        let alt = draft.media[0].alt_text.as_deref().expect("alt text");
        let (comment, suggestion) = comment_of(draft);
        assert_eq!(
            texts["body"],
            json!(draft.body),
            "{place}: the body, literally"
        );
        assert_eq!(
            texts["reply"],
            json!(reply.text),
            "{place}: the customer post"
        );
        assert_eq!(
            texts["replyAuthor"],
            json!(reply.author),
            "{place}: the customer"
        );
        assert_eq!(
            texts["alt"],
            json!(format!("Alt text: {alt}")),
            "{place}: alt text"
        );
        assert_eq!(
            texts["channel"],
            json!(draft.channel),
            "{place}: the channel"
        );
        assert_eq!(
            texts["postChannel"],
            json!(draft.channel),
            "{place}: the post's channel"
        );
        assert_eq!(
            texts["author"],
            json!(draft.author.display_name),
            "{place}: the author"
        );
        assert_eq!(
            texts["notIsolated"],
            json!([]),
            "{place}: every inline run of text is a bidi isolate, so a direction override in \
             a name or channel cannot reorder the window's words around it"
        );
        let quotes: Vec<String> = serde_json::from_value(texts["quotes"].clone()).expect("quotes");
        assert!(
            quotes.contains(&comment),
            "{place}: the comment, literally: {quotes:?}"
        );
        let suggested = format!("Suggests: {}", suggestion.expect("a suggestion"));
        assert!(
            quotes.contains(&suggested),
            "{place}: the suggestion: {quotes:?}"
        );
        let who: Vec<String> = serde_json::from_value(texts["who"].clone()).expect("names");
        assert!(
            who.contains(&draft.author.display_name),
            "{place}: the commenter's name in the history: {who:?}"
        );
    }
    desktop.shot("xss-draft").await;

    // Crisis mode with a hostile reason, naming a spokesperson with a hostile name.
    admin::crisis_on(&w.server.server, &Trail::console(), &w.crisis_reason, &[])
        .await
        .expect("crisis mode on");
    s.wait_for("the crisis banner", || async {
        let shown = s
            .script(
                "const b = document.querySelector('[data-testid=crisis-mode]');
                 return b && !b.hidden ? b.textContent : null;",
                json!([]),
            )
            .await;
        shown.as_str().map(str::to_owned)
    })
    .await;
    let banner = inspect(s, "[data-testid=crisis-mode], [data-testid=crisis-banner]").await;
    assert_clean(&banner, &baseline, "crisis banner");
    let headline = text_of(s, "[data-testid=crisis-mode-headline]").await;
    let speakers = s
        .script(
            "return document.querySelector('[data-testid=crisis-mode-speakers]').textContent;",
            json!([]),
        )
        .await;
    assert!(
        s.script(
            "return document.querySelector('[data-testid=crisis-mode-headline]').textContent;",
            json!([])
        )
        .await
            == json!(format!("Crisis mode: {}", w.crisis_reason)),
        "the crisis reason, literally: {headline:?}"
    );
    assert!(
        speakers
            .as_str()
            .unwrap_or_default()
            .contains(&w.speaker_name),
        "the spokesperson's name, literally: {speakers}"
    );
    // `a` on a crisis draft says who may approve: the spokesperson's name again.
    open(s, &w.drafts[1]).await;
    let blocked = s
        .wait_for("the draft pane to say who may approve", || async {
            text_of(s, "[data-testid=approve-blocked]").await
        })
        .await;
    let pane = inspect(s, "[data-testid=draft-detail]").await;
    assert_clean(&pane, &baseline, "approve-blocked note");
    let note = s
        .script(
            "return document.querySelector('[data-testid=approve-blocked]').textContent;",
            json!([]),
        )
        .await;
    assert!(
        note.as_str().unwrap_or_default().contains(&w.speaker_name),
        "who may approve, literally: {blocked:?}"
    );
    admin::crisis_off(&w.server.server, &Trail::console())
        .await
        .expect("crisis mode off");

    // Nothing was asked of the backend by any payload: nothing queued, nothing decided.
    let pending = text_of(s, "[data-testid=status-pending]")
        .await
        .unwrap_or_default();
    assert!(!pending.contains("waiting"), "nothing queued: {pending:?}");
    for draft in &w.drafts {
        let now = admin::draft(&w.server.server, draft.id)
            .await
            .expect("draft");
        let by_reviewer = now
            .history
            .iter()
            .filter(|h| h.by.username == REVIEWER)
            .count();
        assert_eq!(
            by_reviewer, 0,
            "no decision or comment in the reviewer's name"
        );
    }
    assert!(
        matches!(desktop.keychain("refresh-token"), Ok(Some(_))),
        "still signed in: the token is in the keychain"
    );

    // Conflicts: the reviewer comments on every draft offline; back online, each comment is
    // refused, and the conflicts list shows each draft as decided on and why.
    w.server.stop().await;
    for (i, draft) in w.drafts.iter().enumerate() {
        open(s, draft).await;
        s.press("m").await;
        let field = s.find("[data-testid=composer-input]").await;
        s.type_into(&field, &format!("Checked {i}")).await;
        s.press(ENTER).await;
        s.wait_for("the comment to be queued", || async {
            let text = text_of(s, "[data-testid=status-pending]").await?;
            text.contains(&format!("{} waiting", i + 1)).then_some(())
        })
        .await;
    }
    // Half are withdrawn by their authors: real conflicts. The other half the server takes,
    // but the proxy answers as refusals whose sentence holds two payloads each (its own and
    // the one before), so every payload is in some conflict's message.
    let mut expected = Vec::new();
    for (i, draft) in w.drafts.iter().enumerate() {
        let last_alone = i + 1 == n && i % 2 == 0;
        if i % 2 == 0 && !last_alone {
            let author = admin::user_named(&w.server.server, &format!("author{i}"))
                .await
                .expect("author");
            admin::withdraw_draft(&w.server.server, &Trail::console(), author.id, draft.id)
                .await
                .expect("withdraw");
            expected.push("The author withdrew it".to_string());
        } else {
            let message = if last_alone {
                w.payloads[i].clone()
            } else {
                format!("{} {}", w.payloads[i - 1], w.payloads[i])
            };
            let status = if i % 4 == 1 { "forbidden" } else { "invalid" };
            rewriter.refuse(draft, status, message.clone());
            expected.push(message);
        }
    }
    w.server.restart().await;
    s.wait_for("every comment to come back as a conflict", || async {
        let text = text_of(s, "[data-testid=conflicts-open]").await?;
        (text == format!("{n} conflicts")).then_some(())
    })
    .await;
    s.click(&s.find("[data-testid=conflicts-open]").await).await;
    s.wait_for("one card per conflict", || async {
        let cards = s
            .script(
                "return document.querySelectorAll('[data-testid=conflict]').length;",
                json!([]),
            )
            .await;
        (cards == json!(n)).then_some(())
    })
    .await;
    desktop.shot("xss-conflicts").await;
    let list = inspect(s, "[data-testid=conflict]").await;
    assert_clean(&list, &baseline, "conflicts list");
    let shown = s
        .script(
            "return [...document.querySelectorAll('[data-testid=conflict]')].map((c) => ({
               title: c.querySelector('.conflict-title').textContent,
               decided: c.querySelector('[data-testid=conflict-decided-on]').textContent,
               reason: c.querySelector('.conflict-reason').textContent}));",
            json!([]),
        )
        .await;
    let shown: Vec<Value> = serde_json::from_value(shown).expect("cards");
    for (i, draft) in w.drafts.iter().enumerate() {
        let place = format!("payload {i} {:?}, conflict", w.payloads[i]);
        let card = shown
            .iter()
            .find(|c| {
                c["decided"] == json!(draft.body)
                    && c["title"]
                        .as_str()
                        .is_some_and(|t| t.ends_with(&draft.channel))
            })
            .unwrap_or_else(|| {
                panic!("{place}: a card with the body and channel, literally: {shown:?}")
            });
        assert_eq!(
            card["reason"],
            json!(expected[i]),
            "{place}: the reason, literally"
        );
    }
    let after = inspect(s, "body").await;
    assert_eq!(after["marker"], Value::Null, "nothing ran at all: {after}");

    // A server whose feed breaks the protocol: the status line says so, naming the server,
    // instead of "Online" over an old sync; once it mends, the line is back to normal.
    s.click(&s.find("[data-action=close-overlay]").await).await;
    rewriter.break_feed(true);
    let failed = s
        .wait_for("the status line to report the failed sync", || async {
            let line = s
                .script(
                    "const line = document.querySelector('[data-testid=status-line]');
                     const detail = line.querySelector('.status-detail');
                     const box = detail.getBoundingClientRect();
                     return {state: line.querySelector('[data-testid=status-state]').textContent,
                             detail: detail.textContent, title: detail.title,
                             shown: !detail.hidden && box.width, height: box.height};",
                    json!([]),
                )
                .await;
            (line["state"] == "Sync failed").then_some(line)
        })
        .await;
    let detail = failed["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains(&rewriter.url) && detail.contains("`changes` has the wrong type"),
        "the reviewer is told which server sent what: {failed}"
    );
    assert_eq!(failed["title"], failed["detail"], "all of it in the title");
    assert!(
        failed["shown"].as_f64() > Some(300.0) && failed["height"].as_f64() > Some(8.0),
        "the message is on screen, not squeezed away: {failed}"
    );
    desktop.shot("sync-failed").await;
    rewriter.break_feed(false);
    let line = s.find("[data-testid=status-line]").await;
    s.wait_for("the status line to recover", || async {
        s.text(&line)
            .await
            .contains("synced just now")
            .then_some(())
    })
    .await;
    desktop.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_window_enforces_its_content_security_policy() {
    if !enabled() {
        return;
    }
    // Defence in depth: were server text ever to become markup, the CSP
    // (src-tauri/tauri.conf.json: script-src 'self', no inline, no eval, no plugins) still
    // stops it running. Asked of the real window, not read from the file.
    let server = crate::harness::demo_server().await;
    let desktop = Desktop::launch_with(&server.url(), &[]).await;
    let s = &desktop.session;
    s.find("[data-testid=signin-form]").await;
    let tried = s
        .script(
            "return (async () => {
               const inline = document.createElement('script');
               inline.textContent = 'window.__csp_inline = 1';
               document.body.append(inline);
               const handler = document.createElement('img');
               handler.setAttribute('onerror', 'window.__csp_handler = 1');
               handler.src = 'data:image/png;base64,broken';
               document.body.append(handler);
               const remote = document.createElement('script');
               remote.src = 'https://evil.example/x.js';
               document.body.append(remote);
               const frame = document.createElement('iframe');
               frame.src = 'javascript:parent.__csp_frame = 1';
               document.body.append(frame);
               let evaluated = 'refused';
               try { evaluated = String(eval('1 + 1')); } catch (e) { evaluated = e.name; }
               let constructed = 'refused';
               try { constructed = String(new Function('return 2')()); } catch (e) { constructed = e.name; }
               await new Promise((r) => setTimeout(r, 500));
               return {inline: window.__csp_inline ?? null, handler: window.__csp_handler ?? null,
                       frame: window.__csp_frame ?? null, evaluated, constructed,
                       signedOut: !!document.querySelector('[data-testid=signin-form]')};
             })();",
            json!([]),
        )
        .await;
    eprintln!("what the window refused: {tried}");
    assert_eq!(
        tried["inline"],
        Value::Null,
        "an inline script is refused: {tried}"
    );
    assert_eq!(
        tried["handler"],
        Value::Null,
        "an inline handler is refused: {tried}"
    );
    assert_eq!(
        tried["frame"],
        Value::Null,
        "a javascript: frame is refused: {tried}"
    );
    assert_ne!(tried["evaluated"], json!("2"), "eval is refused: {tried}");
    assert_ne!(
        tried["constructed"],
        json!("2"),
        "new Function is refused: {tried}"
    );
    desktop.close().await;
}

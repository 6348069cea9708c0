use super::{MAX_PAGE, QueuePage, fts_query};
use crate::fixtures::{cache, decide, draft, page, seed, t0, upserts};
use crate::{Cache, QueueFilter};
use countersign_core::finding::{Severity, Span};
use countersign_core::wire::Change;
use countersign_core::{Draft, DraftStatus, InReplyTo, Network, Urgency, Verdict};

fn span(start: usize, end: usize) -> Span {
    Span { start, end }
}

fn search(cache: &Cache, text: &str) -> Vec<String> {
    with(cache, text, QueueFilter::default())
}

fn with(cache: &Cache, text: &str, filter: QueueFilter) -> Vec<String> {
    cache
        .queue_page(&QueuePage {
            filter,
            text: text.to_owned(),
            offset: 0,
            limit: 50,
        })
        .expect("a search never fails on its text")
        .items
        .into_iter()
        .map(|i| i.item.preview)
        .collect()
}

fn replying(mut d: Draft, post: &str) -> Draft {
    d.in_reply_to = Some(InReplyTo {
        author: "@customer".to_owned(),
        text: post.to_owned(),
        url: None,
    });
    d
}

/// A small queue with words in every searched field.
fn sample() -> Vec<Draft> {
    let mut news = draft(3, "Our café reopens on Monday");
    news.channel = "@acme_news".to_owned();
    news.network = Network::Bluesky;
    let mut by_bob = draft(4, "Thanks, fixed now");
    by_bob.author.display_name = "Bob Builder".to_owned();
    vec![
        draft(1, "Sorry about the outage yesterday.\nWe are on it."),
        replying(draft(2, "We hear you"), "Your app lost my order again!"),
        news,
        by_bob,
    ]
}

#[test]
fn the_reviewers_words_are_quoted_and_the_last_one_is_a_prefix() {
    assert_eq!(fts_query("outage"), Some("\"outage\"*".to_owned()));
    assert_eq!(
        fts_query("last tuesday "),
        Some("\"last\" \"tuesday\"".to_owned()),
        "a space after the last word: the word is finished"
    );
    assert_eq!(
        fts_query("say \"hi\""),
        Some("\"say\" \"\"\"hi\"\"\"*".to_owned())
    );
    assert_eq!(
        fts_query("a NEAR b"),
        Some("\"a\" \"NEAR\" \"b\"*".to_owned())
    );
    assert_eq!(fts_query("  "), None);
    assert_eq!(fts_query("- * \" ( )"), None, "nothing searchable left");
}

#[test]
fn hostile_text_is_searched_as_words_never_as_syntax() {
    let mut cache = cache();
    seed(&mut cache, &sample());
    for text in [
        "\"",
        "\"\"\"",
        "*",
        "outage*",
        "out*age",
        "NEAR",
        "NEAR(outage yesterday)",
        "outage NEAR yesterday",
        "-outage",
        "outage -yesterday",
        "AND",
        "OR outage",
        "NOT",
        "outage NOT yesterday",
        "body:outage",
        "{body post}: outage",
        "^outage",
        "(outage",
        "outage)",
        "'; DROP TABLE drafts; --",
        "\u{1}outage\u{2}",
        "\0",
        "+",
        ":",
        "é\u{301}",
    ] {
        let found = cache.queue_page(&QueuePage {
            text: text.to_owned(),
            limit: 10,
            ..QueuePage::default()
        });
        assert!(found.is_ok(), "{text:?}: {found:?}");
    }
    assert_eq!(
        search(&cache, "-outage"),
        vec!["Sorry about the outage yesterday."],
        "a minus is not FTS5's NOT"
    );
    assert_eq!(
        search(&cache, "outage NOT yesterday"),
        Vec::<String>::new(),
        "NOT is a word to find, and no draft has it"
    );
    assert_eq!(
        search(&cache, "body:outage"),
        Vec::<String>::new(),
        "a column filter is words too: 'body' is in no draft"
    );
    assert_eq!(cache.draft_count().unwrap(), 4);
}

#[test]
fn a_search_finds_drafts_by_body_post_channel_and_author() {
    let mut cache = cache();
    seed(&mut cache, &sample());
    assert_eq!(
        search(&cache, "outage"),
        vec!["Sorry about the outage yesterday."]
    );
    assert_eq!(
        search(&cache, "we are on"),
        vec!["Sorry about the outage yesterday."]
    );
    assert_eq!(
        search(&cache, "lost order"),
        vec!["We hear you"],
        "the customer post"
    );
    assert_eq!(
        search(&cache, "acme_news"),
        vec!["Our café reopens on Monday"]
    );
    assert_eq!(search(&cache, "news"), vec!["Our café reopens on Monday"]);
    assert_eq!(
        search(&cache, "bob"),
        vec!["Thanks, fixed now"],
        "the author"
    );
    assert_eq!(
        search(&cache, "Cafe"),
        vec!["Our café reopens on Monday"],
        "case and accents fold"
    );
    assert_eq!(
        search(&cache, "outa"),
        vec!["Sorry about the outage yesterday."],
        "as one types"
    );
    assert_eq!(
        search(&cache, "outa "),
        Vec::<String>::new(),
        "a finished word is whole"
    );
    assert_eq!(
        search(&cache, "outage monday"),
        Vec::<String>::new(),
        "every word must match"
    );
    assert_eq!(search(&cache, "").len(), 4, "no words: the whole queue");
}

#[test]
fn matches_are_code_point_spans_in_what_the_row_shows() {
    let mut cache = cache();
    let long_body = format!("Hello there\n{}the outage is over", "x ".repeat(100));
    seed(
        &mut cache,
        &[
            draft(1, "  Éé outage, OUTAGE"),
            draft(2, &long_body),
            replying(draft(3, "Noted"), "line one\nmy outage report"),
        ],
    );
    let page = cache
        .queue_page(&QueuePage {
            text: "outage".to_owned(),
            limit: 10,
            ..QueuePage::default()
        })
        .unwrap();
    let by_preview = |p: &str| {
        page.items
            .iter()
            .find(|i| i.item.preview == p)
            .unwrap_or_else(|| panic!("no row {p}"))
            .matches
            .clone()
    };
    let first = by_preview("Éé outage, OUTAGE");
    assert_eq!(
        first.preview,
        vec![span(3, 9), span(11, 17)],
        "code points, after the trim"
    );
    assert!(first.body.is_none() && first.post.is_none());

    let second = by_preview("Hello there");
    assert!(second.preview.is_empty());
    let body = second.body.expect("the body around the match");
    assert!(body.text.starts_with('…'), "{}", body.text);
    assert!(!body.text.contains('\n'));
    let marked: String = body
        .text
        .chars()
        .skip(body.matches[0].start)
        .take(body.matches[0].end - body.matches[0].start)
        .collect();
    assert_eq!(marked, "outage");

    let far = format!("{}outage at the end", "word ".repeat(12));
    seed(&mut cache, &[draft(4, &far)]);
    let page = cache
        .queue_page(&QueuePage {
            text: "outage".to_owned(),
            limit: 10,
            ..QueuePage::default()
        })
        .unwrap();
    let far = page
        .items
        .iter()
        .find(|i| i.item.preview.ends_with("outage at the end"))
        .expect("the draft with the word far in")
        .matches
        .clone();
    assert_eq!(far.preview, vec![span(60, 66)]);
    let around = far
        .body
        .expect("past where a row has room: the words around it");
    assert!(
        around.text.starts_with('…') && around.text.contains("outage"),
        "{}",
        around.text
    );
    let third = by_preview("Noted");
    let post = third.post.expect("the post around the match");
    assert_eq!(post.text, "line one my outage report");
    assert_eq!(post.matches, vec![span(12, 18)]);

    let channel = cache
        .queue_page(&QueuePage {
            text: "acme".to_owned(),
            limit: 1,
            ..QueuePage::default()
        })
        .unwrap();
    assert_eq!(
        channel.items[0].matches.channel,
        vec![span(1, 5)],
        "@acme_help"
    );
    assert_eq!(channel.total, 4);
}

#[test]
fn a_search_combines_with_the_filters_and_counts_for_the_menus() {
    let mut cache = cache();
    let mut drafts = Vec::new();
    for n in 1..=6 {
        let mut d = draft(n, &format!("outage update {n}"));
        if n % 2 == 0 {
            d.network = Network::Bluesky;
            d.channel = "@acme.bsky.social".to_owned();
        }
        if n == 5 {
            d.urgency = Urgency::Crisis;
        }
        drafts.push(d);
    }
    drafts.push(draft(7, "unrelated"));
    seed(&mut cache, &drafts);
    cache
        .set_verdicts(&[crate::GuardVerdict {
            id: drafts[2].id,
            version: 1,
            findings: vec![crate::fixtures::finding(Severity::Block)],
        }])
        .unwrap();
    cache
        .enqueue(&decide(&drafts[0], Verdict::Approve), t0())
        .unwrap();

    let filter = QueueFilter {
        network: Some(Network::X),
        ..QueueFilter::default()
    };
    let answer = cache
        .queue_page(&QueuePage {
            filter: filter.clone(),
            text: "outage".to_owned(),
            offset: 0,
            limit: 2,
        })
        .unwrap();
    let previews: Vec<&str> = answer
        .items
        .iter()
        .map(|i| i.item.preview.as_str())
        .collect();
    assert_eq!(
        previews,
        vec!["outage update 5", "outage update 1"],
        "queue order, one page"
    );
    assert_eq!(answer.total, 3, "1, 3 and 5 are on X");
    assert_eq!(answer.counts.network.get("x"), Some(&3));
    assert_eq!(
        answer.counts.network.get("bluesky"),
        Some(&3),
        "what choosing Bluesky would give"
    );
    assert_eq!(answer.counts.channel.get("@acme_help"), Some(&3));
    assert_eq!(
        answer.counts.channel.get("@acme.bsky.social"),
        None,
        "channels of the network chosen"
    );
    assert_eq!(answer.counts.urgency.get("crisis"), Some(&1));
    assert_eq!(answer.counts.urgency.get("normal"), Some(&2));
    assert_eq!(
        (answer.counts.findings.yes, answer.counts.findings.no),
        (1, 2)
    );
    assert_eq!((answer.to_review, answer.decided), (2, 1));
    assert_eq!(answer.all_to_review, 6, "the title counts the whole queue");

    let decided = cache
        .queue_page(&QueuePage {
            filter: QueueFilter {
                decided_by_me: Some(true),
                ..filter.clone()
            },
            text: "outage".to_owned(),
            offset: 0,
            limit: 10,
        })
        .unwrap();
    assert_eq!(decided.items.len(), 1);
    assert_eq!(decided.items[0].item.preview, "outage update 1");
    assert!(decided.items[0].item.local.is_some());
    assert_eq!(decided.total, 1);

    let page_two = cache
        .queue_page(&QueuePage {
            filter,
            text: "outage".to_owned(),
            offset: 2,
            limit: 2,
        })
        .unwrap();
    let previews: Vec<&str> = page_two
        .items
        .iter()
        .map(|i| i.item.preview.as_str())
        .collect();
    assert_eq!(previews, vec!["outage update 3"]);
    assert_eq!(page_two.total, 3);
}

#[test]
fn a_page_is_the_queue_in_the_queues_order_within_the_reviewers_scope() {
    let mut cache = cache();
    let mut legal = draft(1, "waits for legal");
    legal.required_steps = vec![countersign_core::RequiredStep::one("legal")];
    let mut decided_legal = draft(2, "decided here, waits for legal");
    decided_legal.required_steps = legal.required_steps.clone();
    let mut urgent = draft(3, "waits for review, urgent");
    urgent.urgency = Urgency::Urgent;
    seed(
        &mut cache,
        &[
            legal,
            decided_legal.clone(),
            urgent,
            draft(4, "waits for review"),
        ],
    );
    cache
        .enqueue(&decide(&decided_legal, Verdict::Approve), t0())
        .unwrap();
    let filter = QueueFilter {
        next_steps: Some(vec!["review".to_owned()]),
        ..QueueFilter::default()
    };
    let queue: Vec<String> = cache
        .queue(&filter)
        .unwrap()
        .into_iter()
        .map(|i| i.preview)
        .collect();
    assert_eq!(
        with(&cache, "", filter.clone()),
        queue,
        "the same rows in the same order"
    );
    assert_eq!(
        queue,
        vec![
            "waits for review, urgent",
            "decided here, waits for legal",
            "waits for review"
        ]
    );
    let answer = cache
        .queue_page(&QueuePage {
            filter: filter.clone(),
            limit: 1,
            ..QueuePage::default()
        })
        .unwrap();
    assert_eq!(answer.total, 3);
    assert_eq!((answer.to_review, answer.decided), (2, 1));
    assert_eq!(answer.all_to_review, 2);
    assert_eq!(
        with(&cache, "legal", filter),
        vec!["decided here, waits for legal"]
    );
}

#[test]
fn a_page_asks_for_at_most_the_maximum() {
    let mut cache = cache();
    let drafts: Vec<Draft> = (1..=(MAX_PAGE as u32 + 5))
        .map(|n| draft(n, "same words"))
        .collect();
    seed(&mut cache, &drafts);
    let answer = cache
        .queue_page(&QueuePage {
            limit: usize::MAX,
            ..QueuePage::default()
        })
        .unwrap();
    assert_eq!(answer.items.len(), MAX_PAGE);
    assert_eq!(answer.total, MAX_PAGE as u64 + 5);
}

#[test]
fn the_index_follows_every_change_to_the_drafts() {
    let mut cache = cache();
    let a = draft(1, "the old words");
    let b = draft(2, "second draft");
    seed(&mut cache, &[a.clone(), b.clone()]);
    assert_eq!(search(&cache, "old"), vec!["the old words"]);

    let mut edited = a.clone();
    edited.version = 2;
    edited.body = "brand new text".to_owned();
    cache
        .apply_changes(&page(upserts(&[edited.clone()]), "c2", 0))
        .unwrap();
    assert!(
        search(&cache, "old").is_empty(),
        "an edit forgets the old words"
    );
    assert_eq!(search(&cache, "brand"), vec!["brand new text"]);

    cache
        .set_verdicts(&[crate::GuardVerdict {
            id: edited.id,
            version: 2,
            findings: vec![],
        }])
        .unwrap();
    assert_eq!(
        search(&cache, "brand"),
        vec!["brand new text"],
        "a verdict leaves the index alone"
    );

    let mut approved = edited.clone();
    approved.version = 3;
    approved.status = DraftStatus::Approved;
    cache
        .apply_changes(&page(upserts(&[approved]), "c3", 0))
        .unwrap();
    assert!(
        search(&cache, "brand").is_empty(),
        "decided drafts leave the index"
    );
    let rows: i64 = cache
        .conn
        .query_row("SELECT count(*) FROM drafts_search", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 1);

    cache
        .apply_changes(&page(vec![Change::Remove { draft_id: b.id }], "c4", 0))
        .unwrap();
    assert!(
        search(&cache, "second").is_empty(),
        "a removal forgets the draft"
    );

    seed(&mut cache, &[draft(5, "back again")]);
    cache.reset_pull().unwrap();
    assert!(
        search(&cache, "back").is_empty(),
        "a reset forgets everything"
    );
    let rows: i64 = cache
        .conn
        .query_row("SELECT count(*) FROM drafts_search", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 0);
}

#[test]
fn a_page_that_fails_leaves_the_index_as_it_was() {
    let mut cache = cache();
    seed(&mut cache, &[draft(1, "kept words")]);
    let mut unstorable = draft(3, "never stored");
    unstorable.version = u64::MAX;
    let mut changed = draft(1, "changed words");
    changed.version = 2;
    assert!(
        cache
            .apply_changes(&page(
                upserts(&[changed, draft(2, "also never"), unstorable]),
                "x",
                0
            ))
            .is_err()
    );
    assert_eq!(search(&cache, "kept"), vec!["kept words"]);
    assert!(search(&cache, "changed").is_empty());
    assert!(search(&cache, "also").is_empty());
}

#[test]
fn pre_approved_replies_can_be_searched_too() {
    let mut cache = cache();
    let mut out = draft(1, "Thanks for your kind words");
    out.status = DraftStatus::Approved;
    out.required_steps.clear();
    let route = countersign_core::channel::Route::PreApproved {
        reply_id: "r1".into(),
        reply: "thanks".into(),
    };
    let entry = countersign_core::HistoryEntry::on(
        &out,
        &out.author,
        out.created_at,
        countersign_core::HistoryEvent::Routed { route },
    );
    out.history.push(entry);
    seed(&mut cache, &[out, draft(2, "kind of pending")]);
    let pre = QueueFilter {
        pre_approved: true,
        ..QueueFilter::default()
    };
    assert_eq!(
        with(&cache, "kind", pre),
        vec!["Thanks for your kind words"]
    );
    assert_eq!(search(&cache, "kind"), vec!["kind of pending"]);
}

#[test]
fn control_characters_in_a_draft_do_not_shift_the_matches() {
    let mut cache = cache();
    seed(&mut cache, &[draft(1, "a\u{1}b\u{2} outage")]);
    let answer = cache
        .queue_page(&QueuePage {
            text: "outage".to_owned(),
            limit: 5,
            ..QueuePage::default()
        })
        .unwrap();
    assert_eq!(answer.items[0].matches.preview, vec![span(5, 11)]);
}

#[test]
fn drafts_cached_before_search_existed_are_indexed_by_the_migration() {
    use rusqlite::Connection;
    let conn = Connection::open_in_memory().unwrap();
    for sql in [
        include_str!("../../migrations/20261125000000_cache.sql"),
        include_str!("../../migrations/20261125010000_outbox_unanswered.sql"),
        include_str!("../../migrations/20261203000000_verdicts.sql"),
        include_str!("../../migrations/20261203100000_receipts.sql"),
    ] {
        conn.execute_batch(sql).unwrap();
    }
    let d = replying(draft(1, "cached before"), "an old complaint");
    conn.execute(
        "INSERT INTO drafts (id, version, status, network, channel, urgency, created_at, author,
                             body, draft)
         VALUES (?1, 1, 'pending', 'x', '@acme_help', 2, 0, 'Ann', ?2, ?3)",
        rusqlite::params![d.id.to_string(), d.body, serde_json::to_string(&d).unwrap()],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO drafts (id, version, status, network, channel, urgency, created_at, author,
                             body, draft)
         VALUES ('other', 1, 'rejected', 'x', '@acme_help', 2, 0, 'Ann', 'gone', '{}')",
        [],
    )
    .unwrap();
    conn.execute_batch(include_str!("../../migrations/20261204000000_search.sql"))
        .expect("the bundled SQLCipher has FTS5");
    let found: Vec<(i64, String)> = conn
        .prepare("SELECT rowid, post FROM drafts_search WHERE drafts_search MATCH 'complaint'")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(found, vec![(1, "an old complaint".to_owned())]);
    let all: i64 = conn
        .query_row("SELECT count(*) FROM drafts_search", [], |r| r.get(0))
        .unwrap();
    assert_eq!(all, 1, "only the drafts the queue can list");
}

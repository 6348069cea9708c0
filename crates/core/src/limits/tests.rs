use super::*;
use crate::draft::{HistoryEntry, HistoryEvent, Media, Network};
use crate::fixtures::{draft, now, person};
use crate::ids::{AnnotationId, DecisionId, DraftId};
use crate::mutation::{Annotation, Decision, TextQuoteSelector, TextSelector, Verdict};
use crate::wire::NewDraft;
use uuid::Uuid;

/// Counts code points against the network's limit: a stand-in for the policy crate's
/// `measure`, which this crate cannot call.
fn chars(body: &str, network: Network) -> Measure {
    Measure {
        network: network.as_str().into(),
        weighted_length: body.chars().count(),
        limit: network.length_limit(),
        unit: "characters".into(),
        valid: body.chars().count() <= network.length_limit(),
    }
}

fn new_draft(body: &str) -> NewDraft {
    NewDraft {
        team: None,
        network: Network::X,
        channel: "@acme".into(),
        body: body.into(),
        urgency: crate::Urgency::Normal,
        scheduled_at: None,
        required_steps: None,
        in_reply_to: None,
        media: vec![],
    }
}

fn image(url: &str) -> Media {
    Media {
        kind: "image".into(),
        url: url.into(),
        alt_text: Some("A shop front".into()),
    }
}

#[test]
fn a_body_may_be_four_times_its_networks_limit_and_no_more() {
    let at_cap = "a".repeat(4 * 280);
    assert_eq!(check_body(Network::X, &at_cap, chars), Ok(()));
    let over = "a".repeat(4 * 280 + 1);
    let error = check_body(Network::X, &over, chars).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the body is too long: 1121 characters on X, and at most 1120 (4 times X's limit of \
         280) are accepted",
        "the message names the field, the network and the cap"
    );
}

#[test]
fn a_body_over_the_byte_ceiling_is_refused_before_it_is_measured() {
    let huge = "a".repeat(MAX_BODY_BYTES + 1);
    let error = check_body(Network::Facebook, &huge, |_, _| {
        panic!("a body over the byte ceiling must not be measured")
    })
    .unwrap_err();
    assert!(
        matches!(
            error,
            LimitError::TooLong {
                unit: "bytes",
                max: MAX_BODY_BYTES,
                ..
            }
        ),
        "{error}"
    );
}

#[test]
fn the_byte_ceiling_takes_any_facebook_post_at_its_limit_in_any_script() {
    // Four-byte characters (emoji, historic scripts) at Facebook's limit: the largest post
    // any network accepts.
    let widest = "😀".repeat(Network::Facebook.length_limit());
    assert_eq!(check_body(Network::Facebook, &widest, chars), Ok(()));
}

#[test]
fn texts_are_counted_in_characters_not_bytes() {
    let accents = "é".repeat(MAX_OVERRIDE_REASON_CHARS);
    assert!(accents.len() > MAX_OVERRIDE_REASON_CHARS, "two bytes each");
    assert_eq!(
        check_chars("the reason", &accents, MAX_OVERRIDE_REASON_CHARS),
        Ok(())
    );
    let more = format!("{accents}é");
    assert!(check_chars("the reason", &more, MAX_OVERRIDE_REASON_CHARS).is_err());
}

#[test]
fn addresses_need_https_or_http_a_host_and_no_spaces() {
    for good in [
        "https://media.example.org/a.jpg",
        "HTTP://example.org",
        "https://example.org?x=1",
    ] {
        assert_eq!(check_url("the URL", good), Ok(()), "{good}");
    }
    for bad in [
        "javascript:alert(1)",
        "data:image/png;base64,AAAA",
        "file:///etc/passwd",
        "https://",
        "https:///path",
        "//example.org/a.jpg",
        "https://example.org/a b.jpg",
        "https://example.org/\u{7}",
        "",
    ] {
        assert!(
            matches!(check_url("the URL", bad), Err(LimitError::BadUrl { .. })),
            "{bad:?} must be refused"
        );
    }
    let long = format!("https://example.org/{}", "a".repeat(MAX_URL_BYTES));
    assert!(matches!(
        check_url("the URL", &long),
        Err(LimitError::TooLong { unit: "bytes", .. })
    ));
}

#[test]
fn a_new_draft_is_checked_field_by_field_and_names_the_field() {
    let cases: Vec<(NewDraft, &str)> = vec![
        (
            NewDraft {
                channel: "@".repeat(MAX_CHANNEL_CHARS + 1),
                ..new_draft("Hello")
            },
            "the channel",
        ),
        (
            NewDraft {
                media: (0..=MAX_MEDIA)
                    .map(|_| image("https://example.org/a.jpg"))
                    .collect(),
                ..new_draft("Hello")
            },
            "media has 21 entries",
        ),
        (
            NewDraft {
                media: vec![image("https://example.org/a.jpg"), image("javascript:x")],
                ..new_draft("Hello")
            },
            "attachment 2's URL",
        ),
        (
            NewDraft {
                media: vec![Media {
                    kind: "script".into(),
                    ..image("https://example.org/a.jpg")
                }],
                ..new_draft("Hello")
            },
            "attachment 1's kind must be image or video",
        ),
        (
            NewDraft {
                media: vec![Media {
                    alt_text: Some("x".repeat(MAX_ALT_TEXT_CHARS + 1)),
                    ..image("https://example.org/a.jpg")
                }],
                ..new_draft("Hello")
            },
            "attachment 1's alt text is too long",
        ),
        (
            NewDraft {
                in_reply_to: Some(crate::InReplyTo {
                    author: "@sam".into(),
                    text: "x".repeat(MAX_CUSTOMER_POST_CHARS + 1),
                    url: None,
                }),
                ..new_draft("Hello")
            },
            "the customer post is too long",
        ),
        (
            NewDraft {
                required_steps: Some(
                    (0..=MAX_REQUESTED_STEPS)
                        .map(|i| crate::channel::StepRequest::Name(format!("s{i}")))
                        .collect(),
                ),
                ..new_draft("Hello")
            },
            "required_steps has 11 entries",
        ),
    ];
    for (new, expected) in cases {
        let error = check_new_draft(&new, chars).unwrap_err().to_string();
        assert!(error.contains(expected), "{error:?} must say {expected:?}");
    }
    let fine = NewDraft {
        media: vec![image("https://example.org/a.jpg")],
        ..new_draft("Hello")
    };
    assert_eq!(check_new_draft(&fine, chars), Ok(()));
}

#[test]
fn a_mutations_texts_are_capped() {
    let decision = |comment: &str, reason: Option<String>| MutationKind::Decide {
        decision: Decision {
            id: DecisionId(Uuid::nil()),
            draft_id: DraftId(Uuid::nil()),
            draft_version: 1,
            verdict: Verdict::Approve,
            comment: comment.into(),
            override_reason: reason,
            client_time: None,
        },
    };
    let comment = |body: String, exact: String, prefix: String| MutationKind::Annotate {
        annotation: Annotation {
            id: AnnotationId(Uuid::nil()),
            draft_id: DraftId(Uuid::nil()),
            draft_version: 1,
            body,
            suggestion: None,
            target: Some(TextSelector {
                quote: TextQuoteSelector {
                    exact,
                    prefix,
                    suffix: String::new(),
                },
                position: None,
            }),
        },
    };
    let long = |n: usize| "x".repeat(n + 1);
    let refused = [
        (decision(&long(MAX_COMMENT_CHARS), None), "the comment"),
        (
            decision("ok", Some(long(MAX_OVERRIDE_REASON_CHARS))),
            "the override reason",
        ),
        (
            comment(long(MAX_COMMENT_CHARS), "a".into(), String::new()),
            "the comment",
        ),
        (
            comment("ok".into(), long(MAX_QUOTE_CHARS), String::new()),
            "the quoted text",
        ),
        (
            comment("ok".into(), "a".into(), long(MAX_QUOTE_CONTEXT_CHARS)),
            "the quote's prefix",
        ),
    ];
    for (kind, field) in refused {
        let error = check_mutation(&kind).unwrap_err().to_string();
        assert!(error.starts_with(field), "{error:?} must name {field:?}");
    }
    assert_eq!(
        check_mutation(&decision("fine", Some("a reason".into()))),
        Ok(())
    );
}

fn entry(n: u64, event: HistoryEvent) -> HistoryEntry {
    HistoryEntry {
        at: now() + chrono::Duration::seconds(n as i64),
        by: person(u128::from(n % 3) + 10, "someone"),
        version: 1,
        event,
    }
}

fn comment_event(n: u64, size: usize) -> HistoryEvent {
    HistoryEvent::Annotated {
        annotation: Annotation {
            id: AnnotationId(Uuid::from_u128(u128::from(n))),
            draft_id: DraftId(Uuid::nil()),
            draft_version: 1,
            body: "c".repeat(size),
            suggestion: None,
            target: None,
        },
    }
}

#[test]
fn a_short_history_is_left_alone() {
    let author = person(1, "ana");
    let mut d = draft(&author, vec![]);
    d.history = (0..MAX_HISTORY_ENTRIES as u64)
        .map(|n| entry(n, comment_event(n, 10)))
        .collect();
    let before = d.clone();
    assert!(
        !trim_history(&mut d),
        "200 small entries are within the caps"
    );
    assert_eq!(d, before);
}

#[test]
fn a_long_history_keeps_its_newest_entries_and_summarises_the_rest() {
    let author = person(1, "ana");
    let editor = person(2, "eve");
    let mut d = draft(&author, vec![]);
    d.history.push(HistoryEntry {
        at: now(),
        by: author.clone(),
        version: 1,
        event: HistoryEvent::Created,
    });
    d.history.push(HistoryEntry {
        at: now(),
        by: editor.clone(),
        version: 1,
        event: HistoryEvent::Edited {
            previous_body: "old".into(),
            accepted_suggestion: None,
        },
    });
    d.history.push(entry(
        2,
        HistoryEvent::Routed {
            route: crate::channel::Route::FastLane,
        },
    ));
    for n in 3..1000 {
        d.history.push(entry(n, comment_event(n, 10)));
    }
    let newest = d.history.last().cloned();
    assert!(d.writers().contains(&editor.id));

    assert!(trim_history(&mut d));
    assert_eq!(d.history.len(), MAX_HISTORY_ENTRIES, "trimmed to the cap");
    assert_eq!(d.history.last().cloned(), newest, "the newest entry stays");
    let HistoryEvent::Summarised {
        entries, editors, ..
    } = &d.history[0].event
    else {
        panic!(
            "the first entry must summarise the rest: {:?}",
            d.history[0]
        );
    };
    assert_eq!(
        *entries as usize + d.history.len() - 1,
        1000,
        "the summary counts every entry it replaced"
    );
    assert_eq!(editors, &vec![editor.clone()], "the editor is remembered");
    assert!(
        d.writers().contains(&editor.id),
        "someone who edited the text still may not approve it after the trim"
    );
    assert!(
        matches!(d.history[1].event, HistoryEvent::Routed { .. }),
        "the route stays"
    );
    assert_eq!(d.route(), Some(&crate::channel::Route::FastLane));

    // Trimming again folds the old summary into the new one: counts add up, nothing lost.
    for n in 1000..1100 {
        d.history.push(entry(n, comment_event(n, 10)));
    }
    assert!(trim_history(&mut d));
    let HistoryEvent::Summarised {
        entries, editors, ..
    } = &d.history[0].event
    else {
        panic!("still summarised");
    };
    assert_eq!(*entries as usize + d.history.len() - 1, 1100);
    assert_eq!(editors, &vec![editor]);
    assert_eq!(d.history.len(), MAX_HISTORY_ENTRIES);
}

#[test]
fn a_history_too_large_in_bytes_is_summarised_too() {
    let author = person(1, "ana");
    let mut d = draft(&author, vec![]);
    for n in 0..50 {
        d.history.push(entry(n, comment_event(n, 9_000)));
    }
    assert!(trim_history(&mut d));
    let bytes: usize = d.history.iter().map(entry_bytes).sum();
    assert!(bytes <= MAX_HISTORY_BYTES, "{bytes} bytes kept");
    assert!(d.history.len() < 50, "older comments were folded");
    assert!(matches!(
        d.history[0].event,
        HistoryEvent::Summarised { .. }
    ));

    // One entry alone over the budget still stays: the newest is always shown.
    let mut one = draft(&author, vec![]);
    one.history.push(entry(1, comment_event(1, 10)));
    one.history.push(entry(
        2,
        HistoryEvent::Edited {
            previous_body: "p".repeat(MAX_HISTORY_BYTES + 10),
            accepted_suggestion: None,
        },
    ));
    assert!(trim_history(&mut one));
    assert_eq!(one.history.len(), 2, "a summary and the newest entry");
    assert!(matches!(one.history[1].event, HistoryEvent::Edited { .. }));
}

#[test]
fn a_summary_reads_back_from_its_json() {
    let mut d = draft(&person(1, "ana"), vec![]);
    for n in 0..300 {
        d.history.push(entry(n, comment_event(n, 10)));
    }
    trim_history(&mut d);
    let json = serde_json::to_string(&d.history[0]).unwrap();
    assert!(json.contains(r#""event":"summarised""#), "{json}");
    let back: HistoryEntry = serde_json::from_str(&json).unwrap();
    assert_eq!(back, d.history[0]);
}

#[test]
fn a_push_answer_carries_each_draft_once_and_resolved_hands_it_to_every_conflict() {
    use crate::ids::{ClientId, MutationId};
    use crate::mutation::{Mutation, MutationResult, MutationStatus};
    use crate::wire::{PushRequest, PushResponse};
    let current = draft(&person(1, "ana"), vec![]);
    let other = DraftId(Uuid::from_u128(0xe));
    let comment = |n: u64, draft_id: DraftId| Mutation {
        mutation_id: MutationId(n),
        kind: MutationKind::Annotate {
            annotation: Annotation {
                id: AnnotationId(Uuid::from_u128(u128::from(n))),
                draft_id,
                draft_version: 1,
                body: "a comment".into(),
                suggestion: None,
                target: None,
            },
        },
    };
    let request = PushRequest {
        client_id: ClientId(Uuid::nil()),
        mutations: vec![
            comment(1, current.id),
            comment(2, current.id),
            comment(3, other),
        ],
        skip: None,
    };
    let conflict = |n: u64| MutationResult {
        status: MutationStatus::Conflict,
        reason: Some(crate::ConflictReason::Withdrawn),
        ..MutationResult::applied(MutationId(n))
    };
    let response = PushResponse {
        results: vec![
            conflict(1),
            MutationResult::duplicate_of(&conflict(2)),
            MutationResult::applied(MutationId(3)),
        ],
        drafts: vec![current.clone()],
    };
    let json = serde_json::to_string(&response).unwrap();
    assert_eq!(
        json.matches(r#""body":"Thanks for your patience!""#)
            .count(),
        1,
        "the draft travels once: {json}"
    );
    let back: PushResponse = serde_json::from_str(&json).unwrap();
    let results = back.resolved(&request);
    assert_eq!(results.len(), 3, "every result is kept");
    assert_eq!(
        results[0].draft.as_deref(),
        Some(&current),
        "a conflict gets the draft"
    );
    assert_eq!(
        results[1].draft.as_deref(),
        Some(&current),
        "so does a repeated conflict"
    );
    assert_eq!(results[2].draft, None, "an applied result needs none");
}

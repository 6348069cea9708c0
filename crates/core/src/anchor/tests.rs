use super::*;
use proptest::prelude::*;

fn at(body: &str, start: u32, end: u32) -> TextSelector {
    selector_for(body, start, end).expect("a selection inside the body")
}

/// The code points `start..end` of `body`.
fn slice(body: &str, start: u32, end: u32) -> String {
    body.chars()
        .skip(start as usize)
        .take((end - start) as usize)
        .collect()
}

#[test]
fn a_selector_quotes_the_words_with_32_code_points_of_context_either_side() {
    let body = "Sorry about the outage on Tuesday — we've credited your account for the whole day.";
    let start = body.chars().position(|c| c == 'T').unwrap() as u32;
    let s = at(body, start, start + 7);
    assert_eq!(s.quote.exact, "Tuesday");
    assert_eq!(s.quote.prefix, "Sorry about the outage on ");
    assert_eq!(s.quote.suffix, " — we've credited your account f");
    assert_eq!(s.quote.suffix.chars().count(), CONTEXT_CHARS);
    assert_eq!(
        s.position,
        Some(TextPositionSelector {
            start,
            end: start + 7
        })
    );
}

#[test]
fn positions_are_code_points_not_bytes_or_utf16_units() {
    let body = "🎉 Thanks, Zoë! 🎉";
    let s = at(body, 2, 8);
    assert_eq!(s.quote.exact, "Thanks");
    assert_eq!(s.quote.prefix, "🎉 ");
    assert_eq!(anchor(body, &s), Anchor::Exact { start: 2, end: 8 });
    let zoe = at(body, 10, 13);
    assert_eq!(zoe.quote.exact, "Zoë");
    assert_eq!(zoe.quote.suffix, "! 🎉");
}

#[test]
fn empty_and_out_of_range_selections_are_refused_with_a_reason() {
    assert_eq!(
        selector_for("Hello", 3, 3),
        Err(SelectionError::Empty { start: 3, end: 3 })
    );
    assert_eq!(
        selector_for("Hello", 4, 2),
        Err(SelectionError::Empty { start: 4, end: 2 })
    );
    let past = selector_for("Héllo", 2, 6).unwrap_err();
    assert_eq!(
        past,
        SelectionError::OutOfRange {
            start: 2,
            end: 6,
            len: 5
        }
    );
    assert!(past.to_string().contains("5 characters"), "{past}");
    assert!(selector_for("Héllo", 0, 5).is_ok(), "the whole body");
}

#[test]
fn an_unchanged_body_anchors_exactly() {
    let body = "We will refund you within 5 days.";
    let s = at(body, 8, 14);
    assert_eq!(anchor(body, &s), Anchor::Exact { start: 8, end: 14 });
}

#[test]
fn an_edit_before_the_words_moves_them_and_an_edit_after_leaves_them() {
    let body = "We will refund you within 5 days.";
    let s = at(body, 8, 14);
    let before = "Hello! We will refund you within 5 days.";
    assert_eq!(anchor(before, &s), Anchor::Moved { start: 15, end: 21 });
    let after = "We will refund you within 5 working days, promise.";
    assert_eq!(anchor(after, &s), Anchor::Exact { start: 8, end: 14 });
}

#[test]
fn words_that_are_gone_are_detached() {
    let s = at("We will refund you within 5 days.", 8, 14);
    assert_eq!(
        anchor("We will credit you within 5 days.", &s),
        Anchor::Detached
    );
    assert_eq!(anchor("", &s), Anchor::Detached);
}

#[test]
fn context_tells_repeated_words_apart_before_position_does() {
    // The second "account" is annotated; an insertion before both moves the old position
    // onto... nothing in particular, and context picks the right copy.
    let body = "Check your account settings. Your account number is on the invoice.";
    let second = body.match_indices("account").nth(1).unwrap().0;
    let start = body[..second].chars().count() as u32;
    let s = at(body, start, start + 7);
    let edited = format!("Hi Sam, thanks for waiting. {body}");
    let found = anchor(&edited, &s).range().unwrap();
    let shift = "Hi Sam, thanks for waiting. ".chars().count() as u32;
    assert_eq!(found, (start + shift, start + shift + 7));
    assert_eq!(slice(&edited, found.0, found.1), "account");
}

#[test]
fn with_equal_context_the_copy_nearest_the_old_position_wins() {
    let selector = TextSelector {
        quote: TextQuoteSelector {
            exact: "no".into(),
            prefix: String::new(),
            suffix: String::new(),
        },
        position: Some(TextPositionSelector { start: 7, end: 9 }),
    };
    // Copies at 0, 6 and 12: 6 is nearest to 7.
    assert_eq!(
        anchor("no -- no -- no", &selector),
        Anchor::Moved { start: 6, end: 8 }
    );
    // Without a position the first copy wins.
    let unplaced = TextSelector {
        position: None,
        ..selector
    };
    assert_eq!(
        anchor("no -- no -- no", &unplaced),
        Anchor::Moved { start: 0, end: 2 }
    );
}

#[test]
fn overlapping_copies_are_all_candidates() {
    let body = "aaaa";
    let s = TextSelector {
        quote: TextQuoteSelector {
            exact: "aa".into(),
            prefix: "a".into(),
            suffix: "a".into(),
        },
        position: None,
    };
    assert_eq!(anchor(body, &s), Anchor::Moved { start: 1, end: 3 });
}

#[test]
fn an_empty_quote_never_anchors() {
    let s = TextSelector {
        quote: TextQuoteSelector {
            exact: String::new(),
            prefix: String::new(),
            suffix: String::new(),
        },
        position: Some(TextPositionSelector { start: 0, end: 0 }),
    };
    assert_eq!(anchor("anything", &s), Anchor::Detached);
}

#[test]
fn replace_swaps_code_points_and_refuses_a_range_outside_the_body() {
    assert_eq!(
        replace("Zoë is 🎉 here", 4, 6, "was").as_deref(),
        Some("Zoë was 🎉 here")
    );
    assert_eq!(replace("abc", 3, 3, "!").as_deref(), Some("abc!"));
    assert_eq!(replace("abc", 0, 3, "").as_deref(), Some(""));
    assert_eq!(replace("abc", 2, 4, "x"), None);
    assert_eq!(replace("abc", 2, 1, "x"), None);
}

#[test]
fn anchors_serialise_with_their_state() {
    let json = serde_json::to_value(Anchor::Moved { start: 1, end: 4 }).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"state": "moved", "start": 1, "end": 4})
    );
    let json = serde_json::to_value(Anchor::Detached).unwrap();
    assert_eq!(json, serde_json::json!({"state": "detached"}));
}

/// Text with repeats and multi-byte characters, so copies and code points both matter.
fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("a"),
            Just("b"),
            Just(" "),
            Just("é"),
            Just("🎉"),
            Just("refund"),
        ],
        0..40,
    )
    .prop_map(|parts| parts.concat())
}

/// A body, and a non-empty selection inside it.
fn body_and_selection() -> impl Strategy<Value = (String, u32, u32)> {
    text()
        .prop_filter("some text to select", |b| !b.is_empty())
        .prop_flat_map(|body| {
            let len = body.chars().count() as u32;
            (Just(body), 0..len)
                .prop_flat_map(move |(body, start)| (Just(body), Just(start), (start + 1)..=len))
        })
}

proptest! {
    #[test]
    fn a_fresh_selector_anchors_exactly_on_its_own_words((body, start, end) in body_and_selection()) {
        let s = at(&body, start, end);
        prop_assert_eq!(anchor(&body, &s), Anchor::Exact { start, end });
        prop_assert_eq!(s.quote.exact, slice(&body, start, end));
    }

    #[test]
    fn an_edit_elsewhere_never_detaches_and_lands_on_the_same_text(
        (body, start, end) in body_and_selection(),
        before in text(),
        after in text(),
        cut_before in 0usize..5,
        cut_after in 0usize..5,
    ) {
        let s = at(&body, start, end);
        let chars: Vec<char> = body.chars().collect();
        // Text outside the selection is cut and added to, on both sides.
        let head: String = chars[..start as usize].iter().skip(cut_before).collect();
        let tail_len = chars.len() - end as usize;
        let tail: String = chars[end as usize..]
            .iter()
            .take(tail_len.saturating_sub(cut_after))
            .collect();
        let edited = format!("{before}{head}{}{tail}{after}", s.quote.exact);
        let found = anchor(&edited, &s);
        let (a, b) = found.range().expect("an edit elsewhere never detaches");
        prop_assert_eq!(slice(&edited, a, b), s.quote.exact.clone());
        // When the edit left the words' context whole (everything before them, and the
        // suffix), nothing agrees better than where they were: they did not move.
        let suffix_kept = tail_len.saturating_sub(cut_after) >= tail_len.min(CONTEXT_CHARS);
        if before.is_empty() && cut_before == 0 && suffix_kept {
            prop_assert_eq!(found, Anchor::Exact { start, end });
        }
    }

    #[test]
    fn a_body_without_the_quote_always_detaches(body in text(), quote in "[xyz]{1,5}") {
        let s = TextSelector {
            quote: TextQuoteSelector { exact: quote, prefix: String::new(), suffix: String::new() },
            position: Some(TextPositionSelector { start: 0, end: 1 }),
        };
        prop_assert_eq!(anchor(&body, &s), Anchor::Detached);
    }

    #[test]
    fn replacing_the_anchored_words_puts_the_replacement_there(
        (body, start, end) in body_and_selection(),
        with in text(),
    ) {
        let replaced = replace(&body, start, end, &with).expect("in range");
        let len = with.chars().count() as u32;
        prop_assert_eq!(slice(&replaced, start, start + len), with);
        prop_assert_eq!(replaced.chars().count() as u32, body.chars().count() as u32 - (end - start) + len);
    }
}

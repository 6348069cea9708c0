//! Counting a post the way its network does: the one implementation of post length that
//! the server, the desktop window and the `lint` command share.
//!
//! - **X**: twitter-text v3's weighted length ([`x`]): NFC first, every link 23 (bare
//!   domains too), emoji 2 each, Latin and other light scripts 1 per code point, CJK and
//!   the rest 2. Limit 280.
//! - **Bluesky**: extended grapheme clusters, limit 300 — and the text may not take more
//!   than 3,000 bytes of UTF-8, which the lexicon also requires.
//! - **Mastodon**: code points of the text as sent, every `http(s)://` link 23, and a
//!   mention `@user@domain` counts only as `@user`. Limit 500.
//! - **Threads** 500, **LinkedIn** 3,000, **Instagram** 2,200, **Facebook** 63,206: code
//!   points after NFC.

mod emoji;
mod urls;
mod x;

use countersign_core::Network;
use countersign_core::finding::Measure;
use regex::Regex;
use std::sync::LazyLock;
use unicode_normalization::{UnicodeNormalization, is_nfc};
use unicode_segmentation::UnicodeSegmentation;

/// Bluesky's limit on the text's size in UTF-8 bytes, besides its 300 graphemes.
pub(crate) const BLUESKY_MAX_BYTES: usize = 3000;

/// What a link counts as on Mastodon (its `URL_PLACEHOLDER` is 23 characters).
const MASTODON_URL_WEIGHT: usize = 23;

/// How long `body` is on `network`, in the network's own unit, against its limit.
pub fn measure(body: &str, network: Network) -> Measure {
    let limit = network.length_limit();
    let (weighted_length, unit, valid) = match network {
        Network::X => {
            let counted = x::count(body, true);
            let valid = counted.length <= limit && counted.refused.is_none();
            (counted.length, "weighted characters", valid)
        }
        Network::Bluesky => {
            let graphemes = body.graphemes(true).count();
            let valid = graphemes <= limit && body.len() <= BLUESKY_MAX_BYTES;
            (graphemes, "graphemes", valid)
        }
        Network::Mastodon => {
            let length = mastodon_length(body);
            (length, "characters", length <= limit)
        }
        Network::Threads | Network::Linkedin | Network::Instagram | Network::Facebook => {
            let length = if is_nfc(body) {
                body.chars().count()
            } else {
                body.nfc().count()
            };
            (length, "characters", length <= limit)
        }
    };
    Measure {
        network: network.as_str().to_owned(),
        weighted_length,
        limit,
        unit: unit.to_owned(),
        valid,
    }
}

/// The first character of `body` that X refuses in a post, if any.
pub(crate) fn x_refused_char(body: &str) -> Option<char> {
    body.chars().find(|&c| urls::is_invalid(c))
}

/// Mastodon's `StatusLengthValidator`: links become a 23-character placeholder, then
/// mentions of remote accounts lose their domain, then code points are counted.
fn mastodon_length(body: &str) -> usize {
    let links = urls::find(body, urls::Links::Mastodon);
    let mut countable = String::with_capacity(body.len());
    let mut at = 0;
    for link in links {
        countable.push_str(&body[at..link.start]);
        // Mastodon's placeholder starts with U+0001, so nothing can join onto it as a word.
        countable.push('\u{1}');
        countable.extend(std::iter::repeat_n('x', MASTODON_URL_WEIGHT - 1));
        at = link.end;
    }
    countable.push_str(&body[at..]);
    let mut length = 0;
    let mut from = 0;
    while let Some(m) = MENTION.captures_at(&countable, from) {
        let (Some(whole), Some(user)) = (m.get(0), m.get(1)) else {
            break;
        };
        // Mastodon's look-behind: a mention does not follow `=`, `/` or a word character.
        let after_word = countable[..whole.start()]
            .chars()
            .next_back()
            .is_some_and(|c| c == '=' || c == '/' || c.is_alphanumeric() || c == '_');
        if after_word {
            let step = whole.start() + 1;
            length += countable[from..step].chars().count();
            from = step;
            continue;
        }
        length +=
            countable[from..whole.start()].chars().count() + 1 + user.as_str().chars().count();
        from = whole.end();
    }
    length + countable[from..].chars().count()
}

/// Mastodon's `Account::MENTION_RE`: `@user` with an optional `@domain`; group 1 is the
/// user.
static MENTION: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used)]
    Regex::new(r"(?i)@([a-z0-9_]+(?:[.\-]+[a-z0-9_]+)*)(?:@[\w.\-]+\w)?")
        .expect("the mention pattern compiles")
});

#[cfg(test)]
mod conformance;

#[cfg(test)]
mod tests {
    use super::*;

    fn length(body: &str, network: Network) -> usize {
        measure(body, network).weighted_length
    }

    #[test]
    fn x_counts_latin_as_one_and_cjk_as_two() {
        assert_eq!(length("Hello", Network::X), 5);
        assert_eq!(length("こんにちは", Network::X), 10, "kana weigh 2 each");
        assert_eq!(length("你好 world", Network::X), 10);
        assert_eq!(
            length("Привет, שלום, مرحبا", Network::X),
            19,
            "Cyrillic, Hebrew and Arabic are in the light range"
        );
    }

    #[test]
    fn x_counts_every_emoji_as_two() {
        assert_eq!(length("👍", Network::X), 2);
        assert_eq!(length("👨‍👩‍👧‍👦", Network::X), 2, "a ZWJ family is one emoji");
        assert_eq!(length("🇬🇧", Network::X), 2, "a flag is one emoji");
        assert_eq!(length("1️⃣", Network::X), 2, "a keycap is one emoji");
        assert_eq!(length("👋🏾", Network::X), 2, "a skin tone joins its emoji");
        assert_eq!(
            length("© 2026", Network::X),
            6,
            "© without a selector is text"
        );
    }

    #[test]
    fn x_counts_links_as_23_including_bare_domains() {
        assert_eq!(
            length(
                "https://example.com/a/very/long/path?with=query",
                Network::X
            ),
            23
        );
        assert_eq!(
            length("Apply: hartwell-lane.co.uk/careers", Network::X),
            7 + 23,
            "a bare domain with a valid TLD is a link"
        );
        assert_eq!(length("readme.txt", Network::X), 10, "txt is no TLD");
        assert_eq!(length("not.a.link", Network::X), 23, "but .link is one");
    }

    #[test]
    fn x_normalises_before_counting() {
        let decomposed = "Cafe\u{301}";
        assert_eq!(decomposed.chars().count(), 5);
        assert_eq!(
            length(decomposed, Network::X),
            4,
            "e + combining acute is é"
        );
    }

    #[test]
    fn x_limit_is_280_and_refused_characters_make_a_post_invalid() {
        assert!(measure(&"a".repeat(280), Network::X).valid);
        let over = measure(&"a".repeat(281), Network::X);
        assert!(!over.valid, "281 is one over");
        assert_eq!(
            (over.limit, over.unit.as_str()),
            (280, "weighted characters")
        );
        assert!(
            !measure("zero\u{FEFF}width", Network::X).valid,
            "X refuses U+FEFF"
        );
        assert_eq!(x_refused_char("zero\u{FEFF}width"), Some('\u{FEFF}'));
    }

    #[test]
    fn bluesky_counts_graphemes() {
        let m = measure("👨‍👩‍👧‍👦 e\u{301} 日本", Network::Bluesky);
        assert_eq!(
            m.weighted_length, 6,
            "family, space, e+accent, space, two kanji"
        );
        assert_eq!((m.limit, m.unit.as_str()), (300, "graphemes"));
        assert!(measure(&"a".repeat(300), Network::Bluesky).valid);
        assert!(!measure(&"a".repeat(301), Network::Bluesky).valid);
    }

    #[test]
    fn bluesky_also_limits_bytes() {
        // 300 graphemes, but each family emoji takes 25 bytes.
        let families = "👨‍👩‍👧‍👦".repeat(150);
        let m = measure(&families, Network::Bluesky);
        assert_eq!(m.weighted_length, 150);
        assert!(!m.valid, "3,750 bytes is over Bluesky's 3,000");
    }

    #[test]
    fn mastodon_counts_links_as_23_and_mentions_without_their_domain() {
        assert_eq!(
            length("https://example.com/a/very/long/path", Network::Mastodon),
            23
        );
        assert_eq!(
            length("example.com", Network::Mastodon),
            11,
            "Mastodon links only with a protocol"
        );
        assert_eq!(
            length("hi @sam@mastodon.social", Network::Mastodon),
            7,
            "hi @sam"
        );
        assert_eq!(length("hi @sam", Network::Mastodon), 7);
        assert_eq!(
            length("mail sam@example.org", Network::Mastodon),
            20,
            "an address is not a mention"
        );
        let m = measure(&"a".repeat(501), Network::Mastodon);
        assert_eq!(
            (m.limit, m.unit.as_str(), m.valid),
            (500, "characters", false)
        );
    }

    #[test]
    fn mastodon_counts_emoji_and_cjk_by_code_point() {
        assert_eq!(length("日本", Network::Mastodon), 2);
        assert_eq!(length("👍🏽", Network::Mastodon), 2, "emoji + skin tone");
    }

    #[test]
    fn the_other_networks_count_code_points_after_nfc() {
        for (network, limit) in [
            (Network::Threads, 500),
            (Network::Linkedin, 3000),
            (Network::Instagram, 2200),
            (Network::Facebook, 63_206),
        ] {
            let m = measure("Cafe\u{301} 👍🏽 日本 https://example.com", network);
            assert_eq!(m.weighted_length, 4 + 1 + 2 + 1 + 2 + 1 + 19, "{network:?}");
            assert_eq!((m.limit, m.unit.as_str()), (limit, "characters"));
            assert!(
                measure(&"a".repeat(limit), network).valid,
                "{network:?} at its limit"
            );
            assert!(
                !measure(&"a".repeat(limit + 1), network).valid,
                "{network:?} over it"
            );
        }
    }

    #[test]
    fn the_measure_names_its_network() {
        assert_eq!(measure("", Network::Linkedin).network, "linkedin");
        assert!(
            measure("", Network::X).valid,
            "an empty text is no length problem"
        );
    }
}

//! The network's own rules: length (counted the network's way, by [`crate::measure`]),
//! hashtags, alt text, markup.

use super::{Detect, Hit, Input};
use crate::measure::{self, BLUESKY_MAX_BYTES};
use countersign_core::Network;
use regex::Regex;
use serde::{Deserialize, Serialize};

/// Parameters of the length detector: none, each network's limit is its own.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LengthParams {}

/// Finds posts the network would refuse for their length, or for a character it refuses.
#[derive(Debug)]
pub(crate) struct Length;

impl Detect for Length {
    fn find(&self, input: &Input<'_>, hits: &mut Vec<Hit>) {
        let network = input.subject.network;
        let body = input.subject.body;
        let label = network.label();
        let m = measure::measure(body, network);
        if m.weighted_length > m.limit {
            hits.push(Hit {
                range: None,
                message: Some(format!(
                    "Too long for {label}: {} {}, {} allowed",
                    thousands(m.weighted_length),
                    m.unit,
                    thousands(m.limit)
                )),
            });
        } else if network == Network::Bluesky && body.len() > BLUESKY_MAX_BYTES {
            hits.push(Hit {
                range: None,
                message: Some(format!(
                    "Too long for Bluesky: {} bytes of text, {} allowed (emoji and accented \
                     letters take several bytes each)",
                    thousands(body.len()),
                    thousands(BLUESKY_MAX_BYTES)
                )),
            });
        }
        if network == Network::X
            && let Some(c) = measure::x_refused_char(body)
            && let Some(at) = body.find(c)
        {
            hits.push(Hit {
                range: Some(at..at + c.len_utf8()),
                message: Some(format!(
                    "X refuses posts with U+{:04X}, an invisible character; delete it",
                    u32::from(c)
                )),
            });
        }
    }
}

pub(crate) fn length(_params: &LengthParams) -> Length {
    Length
}

/// `3000` as "3,000": limits are read by people.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// Parameters of the hashtag detector.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HashtagsParams {
    /// The most hashtags a post may have.
    pub max: usize,
}

/// Finds more hashtags than the network allows, pointing at the first one too many.
///
/// A hashtag is `#` and letters, digits or underscores, as Instagram links them: not
/// inside a word or a link (`C#`, `page#top`, `/#about`), not an HTML entity (`&#39;`),
/// and not digits alone (`#1` is a number, and Instagram does not link it).
#[derive(Debug)]
pub(crate) struct Hashtags {
    max: usize,
    tag: Regex,
}

impl Hashtags {
    /// The byte ranges of the hashtags in `body`, in order.
    fn tags<'a>(&'a self, body: &'a str) -> impl Iterator<Item = std::ops::Range<usize>> + 'a {
        self.tag
            .captures_iter(body)
            .filter_map(|c| c.get(1))
            .filter(|t| !t.as_str()[1..].chars().all(|c| c.is_ascii_digit()))
            .map(|t| t.range())
    }
}

impl Detect for Hashtags {
    fn find(&self, input: &Input<'_>, hits: &mut Vec<Hit>) {
        let body = input.text.body;
        // Most posts have few hashtags: count first, collect spans only when over.
        let count = self.tags(body).count();
        if count <= self.max {
            return;
        }
        let Some(first_over) = self.tags(body).nth(self.max) else {
            return;
        };
        hits.push(Hit {
            range: Some(first_over),
            message: Some(format!(
                "Too many hashtags for {}: {count}, {} allowed; this is the first one over",
                input.subject.network.label(),
                self.max
            )),
        });
    }
}

pub(crate) fn hashtags(params: &HashtagsParams) -> Result<Hashtags, String> {
    let tag = Regex::new(r"(?:^|[^\p{L}\p{M}\p{N}_&/#])(#[\p{L}\p{M}\p{N}_]+)")
        .map_err(|e| e.to_string())?;
    Ok(Hashtags {
        max: params.max,
        tag,
    })
}

/// Parameters of the alt-text detector.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AltTextParams {}

/// Finds images and videos without alt text.
#[derive(Debug)]
pub(crate) struct AltText;

impl Detect for AltText {
    fn find(&self, input: &Input<'_>, hits: &mut Vec<Hit>) {
        let media = input.subject.media;
        let missing = media
            .iter()
            .filter(|m| m.alt_text.as_deref().is_none_or(|t| t.trim().is_empty()))
            .count();
        if missing == 0 {
            return;
        }
        // Say "video" for videos: a reviewer looks for the one meant.
        let kind = |k: &str| media.iter().all(|m| m.kind == k);
        let (one, many) = if kind("video") {
            ("video", "videos")
        } else if kind("image") || media.is_empty() {
            ("image", "images")
        } else {
            ("attachment", "attachments")
        };
        let message = match (missing, media.len()) {
            (1, 1) => format!("The {one} has no alt text"),
            (1, n) => format!("One of the {n} {many} has no alt text"),
            (m, n) if m == n => format!("None of the {n} {many} has alt text"),
            (m, n) => format!("{m} of the {n} {many} have no alt text"),
        };
        hits.push(Hit {
            range: None,
            message: Some(message),
        });
    }
}

pub(crate) fn alt_text(_params: &AltTextParams) -> AltText {
    AltText
}

/// Parameters of the markup detector.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarkupParams {}

/// Finds HTML tags, HTML entities and `javascript:` links, which networks show as literal
/// characters.
#[derive(Debug)]
pub(crate) struct Markup {
    tag: Regex,
}

impl Detect for Markup {
    fn find(&self, input: &Input<'_>, hits: &mut Vec<Hit>) {
        hits.extend(
            self.tag
                .captures_iter(input.text.body)
                .filter(|c| {
                    // A tag is markup when it is one of HTML's elements or has an attribute
                    // with a value: "<b>", "<a href=x>", but not "<ends Sunday>".
                    let name = c.name("name").map(|n| n.as_str().to_ascii_lowercase());
                    let valued = c.name("attrs").is_some_and(|a| a.as_str().contains('='));
                    name.is_none_or(|n| valued || HTML_ELEMENTS.binary_search(&n.as_str()).is_ok())
                })
                .filter_map(|c| c.get(0))
                .map(|m| Hit::at(m.range())),
        );
    }
}

/// HTML's element names, sorted (what pasted markup is made of).
const HTML_ELEMENTS: [&str; 81] = [
    "a",
    "abbr",
    "article",
    "aside",
    "audio",
    "b",
    "base",
    "big",
    "blink",
    "blockquote",
    "body",
    "br",
    "button",
    "canvas",
    "center",
    "code",
    "dd",
    "del",
    "details",
    "div",
    "dl",
    "dt",
    "em",
    "embed",
    "font",
    "footer",
    "form",
    "frame",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "header",
    "hr",
    "html",
    "i",
    "iframe",
    "img",
    "input",
    "ins",
    "label",
    "li",
    "link",
    "main",
    "mark",
    "marquee",
    "meta",
    "nav",
    "object",
    "ol",
    "option",
    "p",
    "picture",
    "pre",
    "q",
    "s",
    "script",
    "section",
    "select",
    "small",
    "source",
    "span",
    "strong",
    "style",
    "sub",
    "sup",
    "svg",
    "table",
    "tbody",
    "td",
    "textarea",
    "th",
    "thead",
    "title",
    "tr",
    "u",
    "ul",
    "video",
];

pub(crate) fn markup(_params: &MarkupParams) -> Result<Markup, String> {
    // An opening or closing tag with a tag name, a javascript: URL, or an entity left over
    // from pasted HTML ("Tom &amp; Jerry"). "<3", "a < b" and "R&D;" are not markup, nor
    // is "<ends Sunday>" (see `find`).
    let tag = Regex::new(
        r"(?i)</?(?P<name>[a-z][a-z0-9]*)(?P<attrs>\s[^<>]*)?/?>|\bjavascript:|&(?:amp|lt|gt|quot|apos|nbsp|#[0-9]{2,6}|#x[0-9a-f]{2,5});",
    )
    .map_err(|e| e.to_string())?;
    Ok(Markup { tag })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testing::hits;
    use crate::subject::Subject;
    use countersign_core::Media;

    fn messages(detector: &dyn Detect, body: &str, network: Network) -> Vec<String> {
        hits(detector, &Subject::text(body, network))
            .into_iter()
            .filter_map(|h| h.message)
            .collect()
    }

    #[test]
    fn length_names_the_network_its_unit_and_both_numbers() {
        let over = "a".repeat(342);
        assert_eq!(
            messages(&Length, &over, Network::Bluesky),
            ["Too long for Bluesky: 342 graphemes, 300 allowed"]
        );
        assert_eq!(
            messages(&Length, &"a".repeat(3142), Network::Linkedin),
            ["Too long for LinkedIn: 3,142 characters, 3,000 allowed"]
        );
        assert_eq!(
            messages(&Length, &"日".repeat(141), Network::X),
            ["Too long for X: 282 weighted characters, 280 allowed"],
            "CJK weighs 2 on X"
        );
    }

    #[test]
    fn length_is_silent_at_the_limit() {
        for network in Network::ALL {
            let body = "a".repeat(network.length_limit());
            assert_eq!(
                messages(&Length, &body, network),
                Vec::<String>::new(),
                "{network:?}"
            );
        }
        let reply = "Thanks Gary, your kettle is on its way: https://hartwell-lane.co.uk/track/\
                     8814-2231-aa91-0042-77ab-1234-5678-9999 ^Sam";
        assert!(reply.chars().count() > 100);
        assert_eq!(messages(&Length, reply, Network::X), Vec::<String>::new());
    }

    #[test]
    fn length_counts_bluesky_bytes_too() {
        let families = "👨‍👩‍👧‍👦".repeat(150);
        assert_eq!(
            messages(&Length, &families, Network::Bluesky),
            [
                "Too long for Bluesky: 3,750 bytes of text, 3,000 allowed (emoji and accented \
              letters take several bytes each)"
            ]
        );
    }

    #[test]
    fn length_points_at_a_character_x_refuses() {
        let found = hits(&Length, &Subject::text("Hi\u{FEFF} there", Network::X));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].range, Some(2..5), "the byte range of U+FEFF");
        assert!(
            found[0]
                .message
                .as_deref()
                .is_some_and(|m| m.contains("U+FEFF")),
            "{:?}",
            found[0].message
        );
        assert_eq!(
            messages(&Length, "Hi\u{FEFF} there", Network::Mastodon),
            Vec::<String>::new(),
            "only X refuses it"
        );
    }

    fn instagram(max: usize) -> Hashtags {
        hashtags(&HashtagsParams { max }).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn hashtags_over_the_limit_point_at_the_first_one_too_many() {
        let tags: Vec<String> = (1..=32).map(|i| format!("#tag{i}")).collect();
        let body = format!("New in store! {}", tags.join(" "));
        let found = hits(&instagram(30), &Subject::text(&body, Network::Instagram));
        assert_eq!(found.len(), 1, "one finding for the post");
        let range = found[0].range.clone().unwrap_or_default();
        assert_eq!(&body[range], "#tag31");
        assert_eq!(
            found[0].message.as_deref(),
            Some("Too many hashtags for Instagram: 32, 30 allowed; this is the first one over")
        );
    }

    #[test]
    fn thirty_hashtags_are_allowed() {
        let tags: Vec<String> = (1..=30).map(|i| format!("#tag{i}")).collect();
        let body = tags.join(" ");
        assert!(hits(&instagram(30), &Subject::text(&body, Network::Instagram)).is_empty());
    }

    #[test]
    fn only_real_hashtags_count() {
        let detector = instagram(0);
        let count = |body: &str| detector.tags(body).count();
        assert_eq!(
            count("#sale #été #日本 #under_score"),
            4,
            "any script, and underscores"
        );
        assert_eq!(
            count("We're #1! Since #2026"),
            0,
            "digits alone are not hashtags"
        );
        assert_eq!(count("C# and F#, page#top, https://x.co/#about"), 0);
        assert_eq!(count("it&#39;s"), 0, "an HTML entity is not a hashtag");
        assert_eq!(count("#a,#b.#c"), 3, "punctuation separates hashtags");
        assert_eq!(count("#1stbirthday"), 1, "digits then letters is a hashtag");
    }

    #[test]
    fn alt_text_says_which_media_lack_it() {
        let media = |kind: &str, alt: Option<&str>| Media {
            kind: kind.to_owned(),
            url: "https://cdn.example/a".to_owned(),
            alt_text: alt.map(str::to_owned),
        };
        let cases = [
            (vec![media("image", None)], "The image has no alt text"),
            (vec![media("video", Some(" "))], "The video has no alt text"),
            (
                vec![media("image", Some("A red kettle")), media("image", None)],
                "One of the 2 images has no alt text",
            ),
            (
                vec![media("image", None), media("video", None)],
                "None of the 2 attachments has alt text",
            ),
        ];
        for (attached, expected) in cases {
            let subject = Subject {
                media: &attached,
                ..Subject::text("New kettles", Network::Instagram)
            };
            let found: Vec<_> = hits(&AltText, &subject)
                .into_iter()
                .filter_map(|h| h.message)
                .collect();
            assert_eq!(found, [expected]);
        }
        let described = [media("image", Some("A red kettle on a worktop"))];
        let subject = Subject {
            media: &described,
            ..Subject::text("New kettles", Network::Instagram)
        };
        assert!(
            hits(&AltText, &subject).is_empty(),
            "described images are fine"
        );
    }

    #[test]
    fn html_elements_are_sorted_for_binary_search() {
        assert!(
            HTML_ELEMENTS.is_sorted(),
            "binary_search needs the list sorted"
        );
    }

    #[test]
    fn markup_finds_tags_scripts_and_entities_but_not_hearts_or_comparisons() {
        let detector = markup(&MarkupParams {}).unwrap_or_else(|e| panic!("{e}"));
        let found = |body: &str| -> Vec<String> {
            hits(&detector, &Subject::text(body, Network::Facebook))
                .into_iter()
                .filter_map(|h| h.range.map(|r| body[r].to_owned()))
                .collect()
        };
        assert_eq!(found("<b>Sale</b> now"), ["<b>", "</b>"]);
        assert_eq!(found("<a href=\"javascript:alert(1)\">x</a>").len(), 2);
        assert_eq!(found("Tom &amp; Jerry"), ["&amp;"]);
        assert_eq!(
            found("We <3 you, and 2 < 3, R&D; rock & roll"),
            Vec::<String>::new()
        );
    }
}

//! Links found the way twitter-text finds them, for X's weighted length (every link counts
//! 23) and Mastodon's (the same grammar, with `https://` or `http://` required).
//!
//! This is a port of twitter-text's `extractUrlsWithIndices` (JavaScript, 3.1.0; Copyright
//! Twitter, Inc., Apache License 2.0), checked against its conformance files
//! (`tests/twitter_text/`, with the licence). The original is one large regular
//! expression with look-ahead after the top-level domain, which the `regex` crate does not
//! have; so the domain — a chain of labels ending in a known TLD — is matched here by hand,
//! trying the same alternatives in the same order a backtracking engine would, and only the
//! port, path and query after it go through a regular expression (where leftmost-first
//! matching gives what JavaScript gives).

use regex::Regex;
use std::collections::HashSet;
use std::ops::Range;
use std::sync::LazyLock;

/// Which network's rules to find links by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Links {
    /// X: bare domains count (`hartwell-lane.co.uk/careers`), links are checked as
    /// twitter-text checks them (label lengths, 4,096 characters, t.co slugs).
    X,
    /// Mastodon: only links with `http://` or `https://`, taken as matched.
    Mastodon,
}

/// The byte ranges of the links in `text`, in order.
pub(crate) fn find(text: &str, links: Links) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    // twitter-text's own shortcut: every link has a dot in its domain.
    if !text.contains('.') {
        return found;
    }
    let mut from = 0;
    while let Some(m) = next_match(text, from, links) {
        from = m.end;
        match links {
            Links::Mastodon => found.push(m.start..m.end),
            Links::X => accept_for_x(text, &m, &mut found),
        }
    }
    found
}

/// One match of twitter-text's link expression.
#[derive(Debug)]
struct Match {
    /// The character before the link, if the match began with one (not at the text's start).
    before: Option<char>,
    /// The link: protocol, domain, port, path and query.
    start: usize,
    end: usize,
    /// Where the protocol (`https://`) ends; `start` when there is none.
    protocol_end: usize,
    /// Where the domain ends.
    domain_end: usize,
    /// True when a path (`/...`) follows the domain (and port).
    has_path: bool,
}

/// twitter-text's checks on a match, and the links it yields.
fn accept_for_x(text: &str, m: &Match, found: &mut Vec<Range<usize>>) {
    let url = &text[m.start..m.end];
    let domain = &text[m.protocol_end..m.domain_end];
    let protocol_len = if m.protocol_end > m.start {
        m.protocol_end - m.start
    } else {
        "https://".len()
    };
    if !domain_is_valid(domain) || protocol_len + utf16_len(url) > MAX_URL_LENGTH {
        return;
    }
    if m.protocol_end == m.start {
        // A bare domain counts only where it cannot be part of something else.
        if m.before.is_some_and(|c| matches!(c, '-' | '_' | '.' | '/')) {
            return;
        }
        // Only the ASCII domains in it are links ("日本example.com" links example.com).
        let ascii = ascii_domains(domain);
        let Some(last) = ascii.len().checked_sub(1) else {
            return;
        };
        for (i, r) in ascii.into_iter().enumerate() {
            let start = m.protocol_end + r.start;
            let end = if i == last && m.has_path {
                m.end
            } else {
                m.protocol_end + r.end
            };
            found.push(start..end);
        }
        return;
    }
    // A t.co link takes no further path, and a t.co slug longer than 40 is no link at all.
    if let Some(tco) = TCO.captures(url) {
        let slug = tco.get(1).map_or(0, |s| s.len());
        if slug > MAX_TCO_SLUG_LENGTH {
            return;
        }
        let len = tco.get(0).map_or(url.len(), |t| t.len());
        found.push(m.start..m.start + len);
        return;
    }
    found.push(m.start..m.end);
}

const MAX_URL_LENGTH: usize = 4096;
const MAX_TCO_SLUG_LENGTH: usize = 40;
const MAX_DOMAIN_LABEL_LENGTH: usize = 63;

/// The next match of the link expression that starts at or after `from`, scanning start
/// positions left to right as a regular-expression engine does.
fn next_match(text: &str, from: usize, links: Links) -> Option<Match> {
    let mut i = from;
    loop {
        let c = text[i..].chars().next();
        // The expression opens with one character that may precede a link...
        if let Some(c) = c.filter(|&c| may_precede_link(c))
            && let Some(m) = link_at(text, i + c.len_utf8(), Some(c), links)
        {
            return Some(m);
        }
        // ... or with the start of the text.
        if i == 0
            && let Some(m) = link_at(text, 0, None, links)
        {
            return Some(m);
        }
        i += c?.len_utf8();
    }
}

/// The link that starts exactly at `at`, if one does.
fn link_at(text: &str, at: usize, before: Option<char>, links: Links) -> Option<Match> {
    let rest = &text[at..];
    let protocol = ["https://", "http://"]
        .into_iter()
        .find(|p| {
            rest.get(..p.len())
                .is_some_and(|r| r.eq_ignore_ascii_case(p))
        })
        .map(str::len);
    let (protocol_end, domain_end) = match protocol {
        Some(p) => match domain_at(text, at + p) {
            Some(end) => (at + p, end),
            None if links == Links::X => (at, domain_at(text, at)?),
            None => return None,
        },
        None if links == Links::X => (at, domain_at(text, at)?),
        None => return None,
    };
    let tail = TAIL.captures(&text[domain_end..])?;
    let end = domain_end + tail.get(0).map_or(0, |t| t.end());
    Some(Match {
        before,
        start: at,
        end,
        protocol_end,
        domain_end,
        has_path: tail.get(1).is_some(),
    })
}

/// Where a domain starting at `at` ends: labels (`www.`, `hartwell-lane.`, `co.`) and a
/// known top-level domain. Like the original's `validSubdomain* validDomainName TLD`, the
/// most labels that still end in a TLD win.
fn domain_at(text: &str, at: usize) -> Option<usize> {
    // (where the label's dot ends, whether the label has an underscore)
    let mut labels: Vec<(usize, bool)> = Vec::new();
    let mut q = at;
    loop {
        let run = text[q..]
            .char_indices()
            .find(|&(_, c)| !(is_domain_char(c) || c == '-' || c == '_'))
            .map_or(text.len(), |(i, _)| q + i);
        let label = &text[q..run];
        let ends_well = |c: Option<char>| c.is_some_and(is_domain_char);
        if label.is_empty()
            || !text[run..].starts_with('.')
            || !ends_well(label.chars().next())
            || !ends_well(label.chars().next_back())
        {
            break;
        }
        labels.push((run + 1, label.contains('_')));
        q = run + 1;
    }
    // The label just before the TLD (the domain name proper) may not have an underscore;
    // subdomains before it may.
    labels
        .iter()
        .rev()
        .filter(|(_, underscore)| !underscore)
        .find_map(|&(tld_start, _)| tld_at(text, tld_start, text.len()))
}

/// Where a known top-level domain starting at `at` ends. A TLD must not run on into a
/// letter, digit, `@`, `+` or `-` (so `example.community` is not `example.com`), except
/// that `end` counts as the end of the text.
fn tld_at(text: &str, at: usize, end: usize) -> Option<usize> {
    let tlds = &*TLDS;
    let boundary = |e: usize| {
        text[e..end]
            .chars()
            .next()
            .is_none_or(|c| !(c.is_ascii_alphanumeric() || matches!(c, '@' | '+' | '-')))
    };
    // Candidates: each prefix of the text at `at`, lower-cased, with where it ends.
    let mut lower = String::new();
    let mut prefixes = Vec::new();
    for (i, c) in text[at..end].char_indices().take(tlds.longest) {
        lower.extend(c.to_lowercase());
        prefixes.push((at + i + c.len_utf8(), lower.len()));
    }
    // The original tries generic TLDs, then country ones, each list longest first.
    for list in [&tlds.generic, &tlds.country] {
        let hit = prefixes
            .iter()
            .rev()
            .find(|&&(e, l)| list.contains(&lower[..l]) && boundary(e));
        if let Some(&(e, _)) = hit {
            return Some(e);
        }
    }
    // Punycode: `xn--` and at least one more character, with no boundary check.
    let rest = &text[at..end];
    if rest
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("xn--"))
    {
        let len = rest[4..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .unwrap_or(rest.len() - 4);
        if len > 0 {
            return Some(at + 4 + len);
        }
    }
    None
}

/// The ASCII domains in `domain` (byte ranges in it), as the original's `validAsciiDomain`
/// finds them: labels of ASCII letters, digits, hyphens and Latin accented letters, then a
/// known TLD that ends a label.
fn ascii_domains(domain: &str) -> Vec<Range<usize>> {
    let is_label_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || is_latin_accent(c);
    let mut found = Vec::new();
    let mut s = 0;
    while s < domain.len() {
        // Greedy labels from `s`, then the last of them followed by a TLD.
        let mut dots = Vec::new();
        let mut q = s;
        loop {
            let run = domain[q..]
                .char_indices()
                .find(|&(_, c)| !is_label_char(c))
                .map_or(domain.len(), |(i, _)| q + i);
            if run == q || !domain[run..].starts_with('.') {
                break;
            }
            dots.push(run + 1);
            q = run + 1;
        }
        let hit = dots
            .iter()
            .rev()
            .find_map(|&tld_start| tld_at(domain, tld_start, domain.len()));
        match hit {
            Some(end) => {
                found.push(s..end);
                s = end;
            }
            None => s += domain[s..].chars().next().map_or(1, char::len_utf8),
        }
    }
    found
}

/// twitter-text's IDNA check: every label, Punycode-encoded, has 1 to 63 characters, and a
/// domain written in Punycode (`xn--`) holds an ASCII domain.
fn domain_is_valid(domain: &str) -> bool {
    if domain.starts_with("xn--") && ascii_domains(domain).is_empty() {
        return false;
    }
    domain.split('.').all(|label| {
        // punycode.js's toASCII also splits on the ideographic and full-width full stops.
        let parts: Vec<usize> = label
            .split(['\u{3002}', '\u{FF0E}', '\u{FF61}'])
            .map(|part| {
                if part.chars().all(|c| c <= '\u{7E}') {
                    part.len()
                } else {
                    "xn--".len() + punycode_len(part)
                }
            })
            .collect();
        let len = parts.iter().sum::<usize>() + parts.len() - 1;
        (1..=MAX_DOMAIN_LABEL_LENGTH).contains(&len)
    })
}

/// The length of `label` encoded in Punycode (RFC 3492), without the `xn--` prefix.
fn punycode_len(label: &str) -> usize {
    const BASE: u32 = 36;
    const T_MIN: u32 = 1;
    const T_MAX: u32 = 26;
    const SKEW: u32 = 38;
    const DAMP: u32 = 700;
    const INITIAL_BIAS: u32 = 72;
    const INITIAL_N: u32 = 0x80;
    let input: Vec<u32> = label.chars().map(u32::from).collect();
    let basic = input.iter().filter(|&&c| c < 0x80).count();
    // The basic code points, then a delimiter if there were any.
    let mut out = basic + usize::from(basic > 0);
    let adapt = |mut delta: u32, points: u32, first: bool| {
        delta /= if first { DAMP } else { 2 };
        delta += delta / points;
        let mut k = 0;
        while delta > ((BASE - T_MIN) * T_MAX) / 2 {
            delta /= BASE - T_MIN;
            k += BASE;
        }
        k + (BASE - T_MIN + 1) * delta / (delta + SKEW)
    };
    let (mut n, mut delta, mut bias) = (INITIAL_N, 0u32, INITIAL_BIAS);
    let mut handled = basic as u32;
    let total = input.len() as u32;
    while handled < total {
        let Some(m) = input.iter().copied().filter(|&c| c >= n).min() else {
            break;
        };
        delta = delta.saturating_add((m - n).saturating_mul(handled + 1));
        n = m;
        for &c in &input {
            if c < n {
                delta = delta.saturating_add(1);
            }
            if c == n {
                let mut q = delta;
                let mut k = BASE;
                loop {
                    let t = if k <= bias {
                        T_MIN
                    } else if k >= bias + T_MAX {
                        T_MAX
                    } else {
                        k - bias
                    };
                    if q < t {
                        break;
                    }
                    out += 1;
                    q = (q - t) / (BASE - t);
                    k += BASE;
                }
                out += 1;
                bias = adapt(delta, handled + 1, handled == basic as u32);
                delta = 0;
                handled += 1;
            }
        }
        delta = delta.saturating_add(1);
        n += 1;
    }
    out
}

fn utf16_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

/// twitter-text's `validUrlPrecedingChars`: not a letter, digit, `@`, `$` or `#` (which
/// would make the link part of a word, mention, cashtag or hashtag).
fn may_precede_link(c: char) -> bool {
    !(c.is_ascii_alphanumeric() || matches!(c, '@' | '＠' | '$' | '#' | '＃') || is_invalid(c))
}

/// Characters a domain label may hold: anything but punctuation, spaces, the characters
/// X refuses and directional marks.
fn is_domain_char(c: char) -> bool {
    !(is_punct(c) || is_space(c) || is_invalid(c) || is_directional(c))
}

/// twitter-text's `punct` (note: no `"` or `` ` ``, as in the original).
fn is_punct(c: char) -> bool {
    matches!(
        c,
        '!' | '\''
            | '#'
            | '%'
            | '&'
            | '('
            | ')'
            | '*'
            | '+'
            | ','
            | '\\'
            | '-'
            | '.'
            | '/'
            | ':'
            | ';'
            | '<'
            | '='
            | '>'
            | '?'
            | '@'
            | '['
            | ']'
            | '^'
            | '_'
            | '{'
            | '|'
            | '}'
            | '~'
            | '$'
    )
}

fn is_space(c: char) -> bool {
    matches!(c,
        '\u{09}'..='\u{0D}' | '\u{20}' | '\u{85}' | '\u{A0}' | '\u{1680}' | '\u{180E}'
        | '\u{2000}'..='\u{200A}' | '\u{2028}' | '\u{2029}' | '\u{202F}' | '\u{205F}'
        | '\u{3000}')
}

/// The characters X refuses in a post.
pub(crate) fn is_invalid(c: char) -> bool {
    matches!(c, '\u{FFFE}' | '\u{FEFF}' | '\u{FFFF}')
}

fn is_directional(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{2066}'..='\u{2069}')
}

fn is_latin_accent(c: char) -> bool {
    matches!(c,
        '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{FF}' | '\u{100}'..='\u{24F}'
        | '\u{253}' | '\u{254}' | '\u{256}' | '\u{257}' | '\u{259}' | '\u{25B}' | '\u{263}'
        | '\u{268}' | '\u{26F}' | '\u{272}' | '\u{289}' | '\u{28B}' | '\u{2BB}'
        | '\u{300}'..='\u{36F}' | '\u{1E00}'..='\u{1EFF}')
}

// twitter-text's path and query characters, written out in both cases instead of with
// `(?i)`: the regex crate's Unicode case folding would also let in K (Kelvin) and ſ.
const LATIN: &str = r"\u{C0}-\u{D6}\u{D8}-\u{F6}\u{F8}-\u{FF}\u{100}-\u{24F}\u{253}\u{254}\u{256}\u{257}\u{259}\u{25B}\u{263}\u{268}\u{26F}\u{272}\u{289}\u{28B}\u{2BB}\u{300}-\u{36F}\u{1E00}-\u{1EFF}";
const CYRILLIC: &str = r"\u{400}-\u{4FF}";
const QUERY: &str = r"[a-zA-Z0-9!?*'@();:\&=+$/%#\[\]\-_.,\~|]";
const QUERY_END: &str = r"[a-zA-Z0-9\-_\&=#/]";

/// Port, path and query after a domain, anchored at the domain's end. Group 1 is the path.
static TAIL: LazyLock<Regex> = LazyLock::new(|| {
    let general = format!(r"[a-zA-Z{CYRILLIC}0-9!*';:=+,.$/%#\[\]\-\u{{2013}}_\~@|\&{LATIN}]");
    let parens = format!(r"\((?:{general}+|(?:{general}*\({general}+\){general}*))\)");
    let ending = format!(r"(?:[+\-a-zA-Z{CYRILLIC}0-9=_#/{LATIN}]|(?:{parens}))");
    let path = format!(r"(?:(?:{general}*(?:{parens}{general}*)*{ending})|(?:@{general}+/))");
    let pattern = format!(r"^(?::[0-9]+)?(/{path}*)?(?:\?{QUERY}*{QUERY_END})?");
    // A fixed pattern, compiled in every test.
    #[allow(clippy::expect_used)]
    Regex::new(&pattern).expect("the link tail pattern compiles")
});

/// A t.co link: its slug (group 1) and the query it may carry.
static TCO: LazyLock<Regex> = LazyLock::new(|| {
    let pattern = format!(
        r"^[hH][tT][tT][pP][sS]?://[tT]\.[cC][oO]/([a-zA-Z0-9]+)(?:\?{QUERY}*{QUERY_END})?"
    );
    #[allow(clippy::expect_used)]
    Regex::new(&pattern).expect("the t.co pattern compiles")
});

/// twitter-text's list of top-level domains (`tld_lib.yml`, from the twitter-text
/// conformance package 0.3.1, Apache-2.0), lower-cased.
struct Tlds {
    generic: HashSet<String>,
    country: HashSet<String>,
    /// The longest TLD, in characters.
    longest: usize,
}

static TLDS: LazyLock<Tlds> = LazyLock::new(|| {
    let mut tlds = Tlds {
        generic: HashSet::new(),
        country: HashSet::new(),
        longest: 0,
    };
    let mut generic = false;
    for line in include_str!("tld_lib.yml").lines() {
        match line.trim_end() {
            "country:" => generic = false,
            "generic:" => generic = true,
            item => {
                if let Some(tld) = item.strip_prefix("- ") {
                    let tld = tld.trim_matches('\'').to_lowercase();
                    tlds.longest = tlds.longest.max(tld.chars().count());
                    if generic {
                        tlds.generic.insert(tld);
                    } else {
                        tlds.country.insert(tld);
                    }
                }
            }
        }
    }
    tlds
});

#[cfg(test)]
mod tests {
    use super::*;

    fn links(text: &str, how: Links) -> Vec<&str> {
        find(text, how).into_iter().map(|r| &text[r]).collect()
    }

    #[test]
    fn bare_domains_with_a_known_tld_are_links_on_x() {
        assert_eq!(
            links("Apply at hartwell-lane.co.uk/careers today.", Links::X),
            ["hartwell-lane.co.uk/careers"],
            "a bare domain with a path is one link"
        );
        assert_eq!(
            links("see example.community", Links::X),
            ["example.community"]
        );
        assert_eq!(
            links("file.txt and notes.docx", Links::X),
            Vec::<&str>::new(),
            "txt and docx are not top-level domains"
        );
    }

    #[test]
    fn mastodon_needs_a_protocol() {
        assert_eq!(
            links(
                "hartwell-lane.co.uk and https://hartwell-lane.co.uk/a",
                Links::Mastodon
            ),
            ["https://hartwell-lane.co.uk/a"]
        );
    }

    #[test]
    fn sentence_punctuation_is_not_part_of_a_link() {
        assert_eq!(
            links("Details: https://example.com/a/b. Thanks!", Links::X),
            ["https://example.com/a/b"]
        );
        assert_eq!(
            links(
                "(see https://en.wikipedia.org/wiki/Primer_(film))",
                Links::X
            ),
            ["https://en.wikipedia.org/wiki/Primer_(film)"],
            "balanced parentheses belong to the path"
        );
    }

    #[test]
    fn punycode_lengths_follow_rfc_3492() {
        // RFC 3492's own examples: "bücher" is "bcher-kva", "münchen" is "mnchen-3ya".
        assert_eq!(punycode_len("bücher"), "bcher-kva".len());
        assert_eq!(punycode_len("münchen"), "mnchen-3ya".len());
        assert_eq!(punycode_len("日本語"), "wgv71a119e".len());
    }
}

//! Caps on everything a client or an administrator may ask the server to store, in one
//! place, so the server refuses the same things the desktop refuses before it queues them.
//!
//! The point is proportion: what one request can make the server write, keep and send
//! again must stay within a small multiple of what a person could reasonably mean by it.
//! A draft body is measured the way its network counts it (the policy crate's `measure`,
//! passed in so this crate stays pure) and may be a generous [`BODY_LENGTH_MULTIPLE`] times
//! the network's own limit — authors do paste over-long text, and the guard must see it to
//! flag it — but never more than [`MAX_BODY_BYTES`], because some units ignore length (X
//! counts every link as 23 however long it is). Short texts (names, comments, reasons,
//! alt text) are capped in characters (Unicode code points); addresses in bytes.
//!
//! A draft's history grows with every decision, comment and edit, so only the newest
//! entries stay inline ([`MAX_HISTORY_ENTRIES`], [`MAX_HISTORY_BYTES`]); older ones are
//! folded into one [`HistoryEvent::Summarised`] entry that keeps what the rules need (who
//! edited the text: they may never approve it). [`trim_history`] does that.
//!
//! Every check returns a [`LimitError`] whose message names the field and its cap.

use crate::draft::{Draft, HistoryEntry, HistoryEvent, InReplyTo, Media, Network, Person};
use crate::finding::Measure;
use crate::mutation::{Annotation, Decision, MutationKind};
use crate::wire::NewDraft;

/// A body may be this many times its network's limit, in the network's own unit.
pub const BODY_LENGTH_MULTIPLE: usize = 4;
/// The most bytes a body may take, on any network: the longest limit of any network
/// (Facebook's 63,206 characters) at four bytes a character, rounded up to 256 KiB, so no
/// post a network accepts is ever refused by its size in bytes.
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// A channel's name and its account on the network (`@HartwellHelp`, a page's name).
pub const MAX_CHANNEL_CHARS: usize = 200;
/// A sign-in name.
pub const MAX_USERNAME_CHARS: usize = 64;
/// A person's name as shown, a team's name.
pub const MAX_NAME_CHARS: usize = 200;
/// A decision's comment, and a comment on a draft.
pub const MAX_COMMENT_CHARS: usize = 10_000;
/// A suggested replacement for annotated text.
pub const MAX_SUGGESTION_CHARS: usize = 10_000;
/// The quoted text of an annotation's anchor.
pub const MAX_QUOTE_CHARS: usize = 10_000;
/// The context either side of an annotation's quote (W3C's prefix and suffix are a few
/// words).
pub const MAX_QUOTE_CONTEXT_CHARS: usize = 1_000;
/// Why a reviewer approves over a blocking finding.
pub const MAX_OVERRIDE_REASON_CHARS: usize = 2_000;
/// Steps an author may ask for on top of the channel's policy.
pub const MAX_REQUESTED_STEPS: usize = 10;
/// An approval step's name (`review`, `legal`).
pub const MAX_STEP_NAME_CHARS: usize = 64;
/// Attachments on one draft (Instagram's carousel takes 20, the most of any network).
pub const MAX_MEDIA: usize = 20;
/// The kinds of attachment.
pub const MEDIA_KINDS: [&str; 2] = ["image", "video"];
/// An attachment's or a customer post's address.
pub const MAX_URL_BYTES: usize = 2_048;
/// The schemes an address may have: the network fetches it, and a reviewer may open it.
pub const URL_SCHEMES: [&str; 2] = ["https", "http"];
/// An attachment's alt text (X takes 1,000, Mastodon 1,500, Bluesky 2,000).
pub const MAX_ALT_TEXT_CHARS: usize = 4_000;
/// The handle of the customer a reply answers.
pub const MAX_CUSTOMER_HANDLE_CHARS: usize = 200;
/// The text of the customer post a reply answers (any network's post, quoted).
pub const MAX_CUSTOMER_POST_CHARS: usize = 20_000;
/// History entries kept inline in a draft; older ones are summarised.
pub const MAX_HISTORY_ENTRIES: usize = 200;
/// Bytes of history (as JSON) kept inline in a draft; older entries are summarised. The
/// newest entry always stays, so a draft's history is at most this plus one entry.
pub const MAX_HISTORY_BYTES: usize = 256 * 1024;
/// Mutations in one push.
pub const MAX_MUTATIONS_PER_PUSH: usize = 1000;
/// Bytes of drafts in one page of the changes feed (and in the drafts a push answer
/// carries): a page stops early, with `has_more`, rather than grow past it. A single draft
/// larger than this still travels, alone.
pub const MAX_PAGE_BYTES: usize = 4 * 1024 * 1024;

/// A field over its cap. The message names the field and the cap.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LimitError {
    /// A text or address too long.
    #[error("{field} is too long: {got} {unit}, and at most {max} are accepted")]
    TooLong {
        /// Which field, as people say it ("the comment", "attachment 2's alt text").
        field: String,
        /// Its cap.
        max: usize,
        /// Its length.
        got: usize,
        /// What was counted.
        unit: &'static str,
    },
    /// A body longer than its network's limit allows, by a wide margin.
    #[error(
        "the body is too long: {got} {unit} on {network}, and at most {max} ({BODY_LENGTH_MULTIPLE} \
         times {network}'s limit of {limit}) are accepted"
    )]
    BodyTooLong {
        /// The network, as people write it.
        network: &'static str,
        /// Its length in the network's unit.
        got: usize,
        /// The cap.
        max: usize,
        /// The network's own limit.
        limit: usize,
        /// The network's unit.
        unit: String,
    },
    /// A list with too many entries.
    #[error("{field} has {got} entries, and at most {max} are accepted")]
    TooMany {
        /// Which list.
        field: String,
        /// Its cap.
        max: usize,
        /// How many it has.
        got: usize,
    },
    /// An address that is not `https://` or `http://` with a host, or has spaces or
    /// control characters in it.
    #[error("{field} must be an https:// (or http://) address with a host and no spaces")]
    BadUrl {
        /// Which field.
        field: String,
    },
    /// An attachment kind other than `image` or `video`.
    #[error("{field} must be image or video")]
    BadKind {
        /// Which field.
        field: String,
    },
}

fn too_long(field: &str, max: usize, got: usize, unit: &'static str) -> LimitError {
    LimitError::TooLong {
        field: field.to_owned(),
        max,
        got,
        unit,
    }
}

/// `text` is at most `max` characters (code points).
pub fn check_chars(field: &str, text: &str, max: usize) -> Result<(), LimitError> {
    // No more bytes than the cap means no more characters either: most texts pass
    // without being counted.
    if text.len() <= max {
        return Ok(());
    }
    let got = text.chars().count();
    if got > max {
        return Err(too_long(field, max, got, "characters"));
    }
    Ok(())
}

/// `list` has at most `max` entries.
pub fn check_count<T>(field: &str, list: &[T], max: usize) -> Result<(), LimitError> {
    if list.len() > max {
        return Err(LimitError::TooMany {
            field: field.to_owned(),
            max,
            got: list.len(),
        });
    }
    Ok(())
}

/// The most a body on `network` may measure, in the network's own unit.
pub const fn max_body_length(network: Network) -> usize {
    BODY_LENGTH_MULTIPLE * network.length_limit()
}

/// A draft body: at most [`MAX_BODY_BYTES`], then at most [`max_body_length`] as `measure`
/// counts it (the policy crate's `measure`). The bytes are checked first, so a huge body is
/// refused before anything counts it.
pub fn check_body(
    network: Network,
    body: &str,
    measure: impl FnOnce(&str, Network) -> Measure,
) -> Result<(), LimitError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(too_long("the body", MAX_BODY_BYTES, body.len(), "bytes"));
    }
    let measured = measure(body, network);
    let max = BODY_LENGTH_MULTIPLE * measured.limit;
    if measured.weighted_length > max {
        return Err(LimitError::BodyTooLong {
            network: network.label(),
            got: measured.weighted_length,
            max,
            limit: measured.limit,
            unit: measured.unit,
        });
    }
    Ok(())
}

/// An address: at most [`MAX_URL_BYTES`], one of [`URL_SCHEMES`], a host, no whitespace
/// or control characters.
pub fn check_url(field: &str, url: &str) -> Result<(), LimitError> {
    if url.len() > MAX_URL_BYTES {
        return Err(too_long(field, MAX_URL_BYTES, url.len(), "bytes"));
    }
    let bad = || LimitError::BadUrl {
        field: field.to_owned(),
    };
    let (scheme, rest) = url.split_once("://").ok_or_else(bad)?;
    if !URL_SCHEMES.iter().any(|s| scheme.eq_ignore_ascii_case(s)) {
        return Err(bad());
    }
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    Ok(())
}

/// One attachment, the `index`-th (from 1).
pub fn check_media(index: usize, media: &Media) -> Result<(), LimitError> {
    if !MEDIA_KINDS.contains(&media.kind.as_str()) {
        return Err(LimitError::BadKind {
            field: format!("attachment {index}'s kind"),
        });
    }
    check_url(&format!("attachment {index}'s URL"), &media.url)?;
    if let Some(alt) = &media.alt_text {
        check_chars(
            &format!("attachment {index}'s alt text"),
            alt,
            MAX_ALT_TEXT_CHARS,
        )?;
    }
    Ok(())
}

/// The customer post a reply answers.
pub fn check_customer_post(post: &InReplyTo) -> Result<(), LimitError> {
    check_chars(
        "the customer's handle",
        &post.author,
        MAX_CUSTOMER_HANDLE_CHARS,
    )?;
    check_chars("the customer post", &post.text, MAX_CUSTOMER_POST_CHARS)?;
    if let Some(url) = &post.url {
        check_url("the customer post's URL", url)?;
    }
    Ok(())
}

/// Everything in a new draft: channel, body, requested steps, customer post, attachments.
pub fn check_new_draft(
    new: &NewDraft,
    measure: impl FnOnce(&str, Network) -> Measure,
) -> Result<(), LimitError> {
    check_chars("the channel", &new.channel, MAX_CHANNEL_CHARS)?;
    check_body(new.network, &new.body, measure)?;
    if let Some(steps) = &new.required_steps {
        check_count("required_steps", steps, MAX_REQUESTED_STEPS)?;
        for step in steps {
            check_chars("a step's name", &step.rule().step, MAX_STEP_NAME_CHARS)?;
        }
    }
    if let Some(post) = &new.in_reply_to {
        check_customer_post(post)?;
    }
    check_count("media", &new.media, MAX_MEDIA)?;
    for (i, media) in new.media.iter().enumerate() {
        check_media(i + 1, media)?;
    }
    Ok(())
}

/// A decision's comment and override reason.
pub fn check_decision(decision: &Decision) -> Result<(), LimitError> {
    check_chars("the comment", &decision.comment, MAX_COMMENT_CHARS)?;
    if let Some(reason) = &decision.override_reason {
        check_chars("the override reason", reason, MAX_OVERRIDE_REASON_CHARS)?;
    }
    Ok(())
}

/// A comment: its text, suggestion and anchor.
pub fn check_annotation(annotation: &Annotation) -> Result<(), LimitError> {
    check_chars("the comment", &annotation.body, MAX_COMMENT_CHARS)?;
    if let Some(suggestion) = &annotation.suggestion {
        check_chars("the suggestion", suggestion, MAX_SUGGESTION_CHARS)?;
    }
    if let Some(target) = &annotation.target {
        let quote = &target.quote;
        check_chars("the quoted text", &quote.exact, MAX_QUOTE_CHARS)?;
        check_chars("the quote's prefix", &quote.prefix, MAX_QUOTE_CONTEXT_CHARS)?;
        check_chars("the quote's suffix", &quote.suffix, MAX_QUOTE_CONTEXT_CHARS)?;
    }
    Ok(())
}

/// A mutation's free text, whatever its kind.
pub fn check_mutation(kind: &MutationKind) -> Result<(), LimitError> {
    match kind {
        MutationKind::Decide { decision } => check_decision(decision),
        MutationKind::Annotate { annotation } => check_annotation(annotation),
    }
}

/// A sign-in name.
pub fn check_username(username: &str) -> Result<(), LimitError> {
    check_chars("the username", username, MAX_USERNAME_CHARS)
}

/// A name people read: a person's display name, a team's name (`field` says which).
pub fn check_name(field: &str, name: &str) -> Result<(), LimitError> {
    check_chars(field, name, MAX_NAME_CHARS)
}

/// True when `draft`'s history is over [`MAX_HISTORY_ENTRIES`] or [`MAX_HISTORY_BYTES`]:
/// [`trim_history`] would change it.
pub fn history_over(draft: &Draft) -> bool {
    draft.history.len() > MAX_HISTORY_ENTRIES
        || draft.history.iter().map(entry_bytes).sum::<usize>() > MAX_HISTORY_BYTES
}

/// Keeps the newest history entries within [`MAX_HISTORY_ENTRIES`] and
/// [`MAX_HISTORY_BYTES`] (the newest one always) and folds the older ones into one
/// [`HistoryEvent::Summarised`] entry at the front, which counts them and names everyone
/// who edited the text in them (the four-eyes rule still applies to them). The latest
/// [`HistoryEvent::Routed`] entry stays whatever its age: it says how the draft is routed.
/// Returns true when it changed anything.
pub fn trim_history(draft: &mut Draft) -> bool {
    if !history_over(draft) {
        return false;
    }
    let history = std::mem::take(&mut draft.history);
    let latest_route = history
        .iter()
        .rposition(|e| matches!(e.event, HistoryEvent::Routed { .. }));
    // Walk back from the newest entry while there is room; one place stays for the
    // summary.
    let room = MAX_HISTORY_ENTRIES - 1;
    let mut bytes = 0;
    let mut keep_from = history.len();
    for (i, entry) in history.iter().enumerate().rev() {
        let size = entry_bytes(entry);
        let kept = history.len() - keep_from;
        if kept > 0 && (kept >= room || bytes + size > MAX_HISTORY_BYTES) {
            break;
        }
        bytes += size;
        keep_from = i;
    }
    // A route older than the kept entries takes a place of its own.
    if latest_route.is_some_and(|r| r < keep_from)
        && history.len() - keep_from == room
        && keep_from + 1 < history.len()
    {
        keep_from += 1;
    }
    let mut summary: Option<HistoryEntry> = None;
    let mut route = None;
    let mut kept = Vec::with_capacity(history.len() - keep_from + 2);
    for (i, entry) in history.into_iter().enumerate() {
        if i >= keep_from {
            kept.push(entry);
        } else if Some(i) == latest_route {
            route = Some(entry);
        } else {
            fold(&mut summary, entry);
        }
    }
    draft.history = summary.into_iter().chain(route).chain(kept).collect();
    true
}

/// Adds `entry` to the summary of earlier history (making the summary from it if there is
/// none yet).
fn fold(summary: &mut Option<HistoryEntry>, entry: HistoryEntry) {
    let Some(HistoryEntry {
        event:
            HistoryEvent::Summarised {
                entries,
                editors,
                until,
            },
        ..
    }) = summary
    else {
        let (entries, editors) = match entry.event {
            // An earlier summary (the draft was trimmed before) starts this one.
            HistoryEvent::Summarised {
                entries, editors, ..
            } => (entries, editors),
            HistoryEvent::Edited { .. } => (1, vec![entry.by.clone()]),
            _ => (1, vec![]),
        };
        *summary = Some(HistoryEntry {
            event: HistoryEvent::Summarised {
                entries,
                editors,
                until: entry.at,
            },
            ..entry
        });
        return;
    };
    let (count, editor): (u64, Option<&Person>) = match &entry.event {
        HistoryEvent::Summarised {
            entries: more,
            editors: theirs,
            ..
        } => {
            for person in theirs {
                add_editor(editors, person);
            }
            (*more, None)
        }
        HistoryEvent::Edited { .. } => (1, Some(&entry.by)),
        _ => (1, None),
    };
    *entries += count;
    if let Some(person) = editor {
        add_editor(editors, person);
    }
    *until = entry.at;
}

fn add_editor(editors: &mut Vec<Person>, person: &Person) {
    if !editors.iter().any(|p| p.id == person.id) {
        editors.push(person.clone());
    }
}

/// An entry's size as stored (its JSON).
fn entry_bytes(entry: &HistoryEntry) -> usize {
    // Serialising these types cannot fail (no maps with non-string keys); count a failure
    // as large so it is folded away rather than kept unmeasured.
    serde_json::to_vec(entry).map_or(MAX_HISTORY_BYTES, |json| json.len())
}

#[cfg(test)]
mod tests;

//! Which OS notification, if any, a sync deserves.
//!
//! A reviewer hears from Countersign when a **crisis** or **urgent** draft arrives in their
//! queue while the window is not in front of them: one notification per sync, naming the
//! draft when it is one, summing them up when there are several. Drafts that were already
//! in the queue, drafts decided here, and anything that arrives while the window has focus
//! (the queue shows it) are not news.
//!
//! Everything here is pure: [`Arrivals`] remembers what was already seen, [`notice`] words
//! the notification. The shell reads the queue after a sync, asks, and shows the answer.

use countersign_core::{DraftId, Urgency};
use countersign_store::QueueItem;
use std::collections::HashSet;

/// The longest line taken from a draft into a notification, in characters: enough to
/// recognise it, never a whole (possibly huge) draft.
pub const LINE_CHARS: usize = 100;
/// Drafts named in the body of a summary; the rest are counted.
pub const LISTED: usize = 3;

/// What to show in the OS notification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// The first line (what a notification server shows in bold).
    pub summary: String,
    /// The text under it: plain text, with `&`, `<` and `>` escaped because most
    /// notification servers read the body as markup.
    pub body: String,
}

/// The urgent and crisis drafts already seen in this session's queue.
#[derive(Debug, Default)]
pub struct Arrivals {
    /// `None` until the first look of a session, which only learns what is there.
    seen: Option<HashSet<DraftId>>,
}

impl Arrivals {
    /// Forgets what was seen: the next look is the first of a new session.
    pub fn reset(&mut self) {
        self.seen = None;
    }

    /// The crisis and urgent drafts of `queue` that were not in it at the last look and
    /// have no decision made here, most urgent first (the queue's order). The first look
    /// of a session (after [`reset`](Self::reset)) returns nothing: a backlog that was
    /// already there when the reviewer signed in is not an arrival.
    ///
    /// A draft that leaves the queue and comes back (a new version after a request for
    /// changes) arrives again.
    pub fn arrived<'q>(&mut self, queue: &'q [QueueItem]) -> Vec<&'q QueueItem> {
        let pressing: Vec<&QueueItem> = queue.iter().filter(|i| is_pressing(i)).collect();
        let now: HashSet<DraftId> = pressing.iter().map(|i| i.id).collect();
        let arrived = match &self.seen {
            None => Vec::new(),
            Some(seen) => pressing
                .into_iter()
                .filter(|i| !seen.contains(&i.id) && i.local.is_none())
                .collect(),
        };
        self.seen = Some(now);
        arrived
    }
}

fn is_pressing(item: &QueueItem) -> bool {
    matches!(item.urgency, Urgency::Crisis | Urgency::Urgent)
}

/// The notification for the drafts that `arrived`, or `None` when there is nothing to say
/// or the window has focus (the reviewer is looking at the queue already).
pub fn notice(arrived: &[&QueueItem], window_focused: bool) -> Option<Notice> {
    if window_focused || arrived.is_empty() {
        return None;
    }
    let crisis = arrived
        .iter()
        .filter(|i| i.urgency == Urgency::Crisis)
        .count();
    let urgent = arrived.len() - crisis;
    if let [one] = arrived {
        let kind = if crisis == 1 { "Crisis" } else { "Urgent" };
        return Some(Notice {
            summary: format!("{kind} draft to review for {}", line(&one.channel)),
            body: escape(&line(&one.preview)),
        });
    }
    let summary = match (crisis, urgent) {
        (0, n) => format!("{n} urgent drafts to review"),
        (n, 0) => format!("{n} crisis drafts to review"),
        (c, u) => format!("{c} crisis and {u} urgent {} to review", plural(u)),
    };
    let mut lines: Vec<String> = arrived
        .iter()
        .take(LISTED)
        .map(|i| format!("{}: {}", line(&i.channel), line(&i.preview)))
        .collect();
    if arrived.len() > LISTED {
        lines.push(format!("and {} more", arrived.len() - LISTED));
    }
    Some(Notice {
        summary,
        body: escape(&lines.join("\n")),
    })
}

/// The tray's line: how many drafts wait for the signed-in reviewer (`None`: nobody is
/// signed in).
pub fn to_review_line(to_review: Option<usize>) -> String {
    match to_review {
        None => "Not signed in".to_owned(),
        Some(0) => "Nothing to review".to_owned(),
        Some(1) => "1 draft to review".to_owned(),
        Some(n) => format!("{n} drafts to review"),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "draft" } else { "drafts" }
}

/// One line of at most [`LINE_CHARS`] characters: line breaks and other control
/// characters become spaces, runs of space one, and a cut line ends in `…`.
fn line(text: &str) -> String {
    let mut out: Vec<char> = Vec::with_capacity(LINE_CHARS + 1);
    for c in text.trim().chars() {
        let c = if c.is_control() || c.is_whitespace() {
            ' '
        } else {
            c
        };
        if c == ' ' && out.last() == Some(&' ') {
            continue;
        }
        out.push(c);
        // One past the limit is enough to know the line must be cut.
        if out.len() > LINE_CHARS {
            out.truncate(LINE_CHARS - 1);
            out.push('…');
            break;
        }
    }
    out.into_iter().collect()
}

/// The body as text for a server that reads it as markup (the Desktop Notifications
/// Specification's `body-markup`): nothing in a draft becomes a tag or a link.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use countersign_core::{MutationId, Network, Verdict};
    use countersign_store::LocalDecision;

    fn item(n: u128, urgency: Urgency, preview: &str) -> QueueItem {
        QueueItem {
            id: DraftId(uuid::Uuid::from_u128(n)),
            version: 1,
            network: Network::X,
            channel: format!("@channel{n}"),
            author: "Ana".into(),
            urgency,
            scheduled_at: None,
            created_at: chrono::DateTime::UNIX_EPOCH,
            preview: preview.into(),
            next_step: Some("review".into()),
            local: None,
            risk: None,
            findings: 0,
            reviewed: true,
            pre_approved_reply: None,
            late_by_secs: None,
        }
    }

    fn ids(items: &[&QueueItem]) -> Vec<DraftId> {
        items.iter().map(|i| i.id).collect()
    }

    #[test]
    fn the_first_look_of_a_session_learns_the_backlog_and_announces_nothing() {
        let mut arrivals = Arrivals::default();
        let queue = [item(1, Urgency::Crisis, "a"), item(2, Urgency::Urgent, "b")];
        assert!(arrivals.arrived(&queue).is_empty());
        assert!(
            arrivals.arrived(&queue).is_empty(),
            "nothing new the second time"
        );
    }

    #[test]
    fn only_new_crisis_and_urgent_drafts_without_a_decision_here_arrive() {
        let mut arrivals = Arrivals::default();
        arrivals.arrived(&[item(1, Urgency::Crisis, "old")]);
        let mut decided = item(4, Urgency::Crisis, "decided here");
        decided.local = Some(LocalDecision {
            mutation_id: MutationId(1),
            verdict: Verdict::Approve,
            answered: false,
        });
        let queue = [
            item(1, Urgency::Crisis, "old"),
            item(2, Urgency::Urgent, "new urgent"),
            item(3, Urgency::Normal, "new normal"),
            decided,
            item(5, Urgency::Crisis, "new crisis"),
        ];
        let arrived = arrivals.arrived(&queue);
        assert_eq!(ids(&arrived), [queue[1].id, queue[4].id]);
    }

    #[test]
    fn a_draft_raised_to_urgent_or_back_in_the_queue_arrives_again_and_reset_starts_over() {
        let mut arrivals = Arrivals::default();
        arrivals.arrived(&[item(1, Urgency::Normal, "x"), item(2, Urgency::Urgent, "y")]);
        // 2 left the queue (changes requested) ...
        assert!(
            arrivals
                .arrived(&[item(1, Urgency::Normal, "x")])
                .is_empty()
        );
        // ... and came back, while 1 was raised to crisis.
        let queue = [item(1, Urgency::Crisis, "x"), item(2, Urgency::Urgent, "y")];
        assert_eq!(arrivals.arrived(&queue).len(), 2);
        arrivals.reset();
        assert!(
            arrivals
                .arrived(&[item(9, Urgency::Crisis, "z")])
                .is_empty(),
            "after a reset the queue is a backlog again"
        );
    }

    #[test]
    fn nothing_is_shown_while_the_window_has_focus_or_when_nothing_arrived() {
        let a = item(1, Urgency::Crisis, "Outage statement");
        assert_eq!(notice(&[&a], true), None);
        assert_eq!(notice(&[], false), None);
    }

    #[test]
    fn one_draft_is_named_by_its_urgency_and_channel() {
        let a = item(1, Urgency::Crisis, "Outage statement");
        let shown = notice(&[&a], false).unwrap();
        assert_eq!(shown.summary, "Crisis draft to review for @channel1");
        assert_eq!(shown.body, "Outage statement");
        let b = item(2, Urgency::Urgent, "Refund reply");
        let shown = notice(&[&b], false).unwrap();
        assert_eq!(shown.summary, "Urgent draft to review for @channel2");
    }

    #[test]
    fn several_drafts_are_summed_up_with_the_first_few_listed() {
        let items: Vec<QueueItem> = (1..=5)
            .map(|n| {
                item(
                    n,
                    if n <= 2 {
                        Urgency::Crisis
                    } else {
                        Urgency::Urgent
                    },
                    "text",
                )
            })
            .collect();
        let refs: Vec<&QueueItem> = items.iter().collect();
        let shown = notice(&refs, false).unwrap();
        assert_eq!(shown.summary, "2 crisis and 3 urgent drafts to review");
        assert_eq!(
            shown.body,
            "@channel1: text\n@channel2: text\n@channel3: text\nand 2 more"
        );
        assert_eq!(
            notice(&refs[..2], false).unwrap().summary,
            "2 crisis drafts to review"
        );
        assert_eq!(
            notice(&refs[2..], false).unwrap().summary,
            "3 urgent drafts to review"
        );
        assert_eq!(
            notice(&refs[1..3], false).unwrap().summary,
            "1 crisis and 1 urgent draft to review"
        );
    }

    #[test]
    fn a_huge_or_hostile_draft_becomes_one_short_line_of_plain_text() {
        let huge = format!("line one\n\n\tline\u{0}two {}", "é".repeat(100_000));
        let a = item(1, Urgency::Crisis, &huge);
        let shown = notice(&[&a], false).unwrap();
        assert_eq!(shown.body.chars().count(), LINE_CHARS);
        assert!(
            shown.body.starts_with("line one line two éé"),
            "{}",
            shown.body
        );
        assert!(shown.body.ends_with('…'));
        assert!(!shown.body.contains('\n'));

        let markup = item(
            2,
            Urgency::Urgent,
            "<a href=\"http://x\">click</a> & <b>win</b>",
        );
        let shown = notice(&[&markup], false).unwrap();
        assert_eq!(
            shown.body,
            "&lt;a href=\"http://x\"&gt;click&lt;/a&gt; &amp; &lt;b&gt;win&lt;/b&gt;"
        );
        let mut channel = item(3, Urgency::Urgent, "x");
        channel.channel = "@a\nb".repeat(100);
        assert!(notice(&[&channel], false).unwrap().summary.chars().count() < 140);
    }

    #[test]
    fn the_tray_line_counts_what_waits() {
        assert_eq!(to_review_line(None), "Not signed in");
        assert_eq!(to_review_line(Some(0)), "Nothing to review");
        assert_eq!(to_review_line(Some(1)), "1 draft to review");
        assert_eq!(to_review_line(Some(65)), "65 drafts to review");
    }

    #[test]
    fn a_line_at_the_limit_is_kept_whole_and_one_over_is_cut() {
        let exact = "x".repeat(LINE_CHARS);
        assert_eq!(line(&exact), exact, "a line at the limit is whole");
        let over = "x".repeat(LINE_CHARS + 1);
        assert_eq!(line(&over).chars().count(), LINE_CHARS);
        assert!(line(&over).ends_with('…'), "one over the limit is cut");
    }
}

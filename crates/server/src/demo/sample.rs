//! The shape of a hand-written demo draft, with a small builder so the catalogues read like
//! a list of posts rather than a wall of struct fields.

use countersign_core::{InReplyTo, Media, Network, Urgency};

/// Hartwell & Lane's accounts: the brand's on every network, and Customer Care's own help
/// accounts on the networks where it answers customers.
pub(super) mod channel {
    pub const HELP_X: &str = "@HartwellHelp";
    pub const HELP_FACEBOOK: &str = "facebook.com/hartwellhelp";
    pub const HELP_BLUESKY: &str = "@help.hartwell-lane.bsky.social";
    pub const HELP_MASTODON: &str = "@help@social.hartwell-lane.co.uk";
    pub const HELP_INSTAGRAM: &str = "@hartwellhelp";
    pub const HELP_THREADS: &str = "@hartwellhelp";
    pub const BRAND_X: &str = "@HartwellLane";
    pub const BLUESKY: &str = "@hartwell-lane.bsky.social";
    pub const MASTODON: &str = "@hartwell@social.hartwell-lane.co.uk";
    pub const LINKEDIN: &str = "Hartwell & Lane (company page)";
    pub const FACEBOOK: &str = "facebook.com/hartwellandlane";
    pub const INSTAGRAM: &str = "@hartwellandlane";
    pub const THREADS: &str = "@hartwellandlane";
}

/// What happened to a demo draft after it was written, so the queue has some history.
#[derive(Clone, Debug)]
pub(super) enum Then {
    /// Still waiting for its first decision.
    Nothing,
    /// This reviewer approved the first step; the next (legal) is waiting.
    Reviewed(&'static str),
    /// This reviewer asked for changes with this comment, and the author rewrote it.
    Revised {
        reviewer: &'static str,
        comment: &'static str,
        body: &'static str,
    },
}

/// One demo draft.
#[derive(Clone, Debug)]
pub(super) struct Sample {
    pub author: &'static str,
    pub network: Network,
    pub channel: &'static str,
    pub body: &'static str,
    pub urgency: Urgency,
    /// Minutes from now until it is meant to go out; `None`: as soon as approved.
    pub due_in: Option<i64>,
    /// Minutes ago it was written.
    pub age: i64,
    pub steps: &'static [&'static str],
    pub reply_to: Option<InReplyTo>,
    pub media: Vec<Media>,
    pub then: Then,
    /// For the drafts written to break the social-media policy: which rule, in words.
    pub breaks: Option<&'static str>,
}

pub(super) const REVIEW: &[&str] = &["review"];
pub(super) const REVIEW_LEGAL: &[&str] = &["review", "legal"];

impl Sample {
    pub fn new(
        author: &'static str,
        network: Network,
        channel: &'static str,
        body: &'static str,
    ) -> Self {
        Self {
            author,
            network,
            channel,
            body,
            urgency: Urgency::Normal,
            due_in: None,
            age: 30,
            steps: REVIEW,
            reply_to: None,
            media: vec![],
            then: Then::Nothing,
            breaks: None,
        }
    }

    /// A reply to a customer's post.
    pub fn reply(mut self, handle: &'static str, text: &'static str) -> Self {
        self.reply_to = Some(InReplyTo {
            author: handle.to_owned(),
            text: text.to_owned(),
            url: None,
        });
        self
    }

    pub fn due(mut self, minutes: i64) -> Self {
        self.due_in = Some(minutes);
        self
    }

    pub fn age(mut self, minutes: i64) -> Self {
        self.age = minutes;
        self
    }

    pub fn urgent(mut self) -> Self {
        self.urgency = Urgency::Urgent;
        self
    }

    pub fn crisis(mut self) -> Self {
        self.urgency = Urgency::Crisis;
        self
    }

    pub fn legal(mut self) -> Self {
        self.steps = REVIEW_LEGAL;
        self
    }

    pub fn image(self, url: &'static str, alt: Option<&'static str>) -> Self {
        self.media("image", url, alt)
    }

    pub fn video(self, url: &'static str, alt: Option<&'static str>) -> Self {
        self.media("video", url, alt)
    }

    fn media(mut self, kind: &str, url: &'static str, alt: Option<&'static str>) -> Self {
        self.media.push(Media {
            kind: kind.to_owned(),
            url: url.to_owned(),
            alt_text: alt.map(str::to_owned),
        });
        self
    }

    pub fn then(mut self, then: Then) -> Self {
        self.then = then;
        self
    }

    pub fn breaks(mut self, rule: &'static str) -> Self {
        self.breaks = Some(rule);
        self
    }
}

//! What the guard looks at: a draft's text and the little context its rules need.

use countersign_core::{Draft, Media, Network, Urgency};

/// A draft as the guard sees it.
#[derive(Clone, Copy, Debug)]
pub struct Subject<'a> {
    /// The text to publish.
    pub body: &'a str,
    /// Where it will be published.
    pub network: Network,
    /// Its images and videos.
    pub media: &'a [Media],
    /// The channel's short name (`care-x`), for the pack's per-channel overrides.
    pub channel: Option<&'a str>,
    /// Set when the draft's channel is in crisis mode.
    pub crisis: Option<CrisisContext>,
}

/// What the crisis rules need to know about a draft on a channel in crisis mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CrisisContext {
    /// True when the draft's author is an authorised spokesperson for its channel.
    pub author_is_spokesperson: bool,
    /// True when crisis mode covers the draft's channel (false: the author marked the draft
    /// a crisis statement on a channel crisis mode does not cover).
    pub crisis_mode: bool,
}

impl CrisisContext {
    /// The crisis context of a draft, if it is a crisis statement: one on a channel in
    /// crisis mode, or one its author marked as a crisis draft. The server and the desktop
    /// both decide it here, so they find the same.
    pub fn of(
        urgency: Urgency,
        channel_in_crisis: bool,
        author_is_spokesperson: bool,
    ) -> Option<CrisisContext> {
        (urgency == Urgency::Crisis || channel_in_crisis).then_some(CrisisContext {
            author_is_spokesperson,
            crisis_mode: channel_in_crisis,
        })
    }
}

impl<'a> Subject<'a> {
    /// Just text for a network: what `lint` reads from an author's tool.
    pub fn text(body: &'a str, network: Network) -> Self {
        Self {
            body,
            network,
            media: &[],
            channel: None,
            crisis: None,
        }
    }

    /// A stored draft, on the channel named `channel`, with its crisis context if its
    /// channel is in crisis mode.
    pub fn draft(
        draft: &'a Draft,
        channel: Option<&'a str>,
        crisis: Option<CrisisContext>,
    ) -> Self {
        Self {
            body: &draft.body,
            network: draft.network,
            media: &draft.media,
            channel,
            crisis,
        }
    }
}

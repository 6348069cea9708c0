//! The policy guard on the server: the pack in force, and reviewing drafts with it.
//!
//! The organisation's pack is stored as TOML ([`StoredPack`]) and laid over the built-in
//! one; the compiled [`Guard`] is kept per version, so it is built once per `policy set`,
//! not per request. Every instance reads the version from the database, so one that has
//! not seen a new pack yet builds it on its next use.
//!
//! The server runs the guard to route a draft when it is written or edited (fast lane,
//! an added step, a pre-approved reply: see `countersign_core::channel::Routing`) and to
//! refuse an approval over a `block` finding without an override reason.

use crate::Server;
use crate::error::ServerError;
use crate::storage::StoredPack;
use countersign_core::channel::Risk;
use countersign_core::finding::{Category, Finding, Severity};
use countersign_core::wire::Reply;
use countersign_core::{ChannelId, Draft, DraftId, Media, Network, Urgency, UserId};
use countersign_policy::replies::Template;
use countersign_policy::{CrisisContext, Guard, Pack, PackError, Subject};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

/// The compiled guard of the pack version last used.
#[derive(Debug, Default)]
pub(crate) struct GuardCache {
    compiled: Mutex<Option<(u64, Arc<Guard>)>>,
}

/// The organisation's pack laid over the built-in one; `None` is the built-in pack alone.
///
/// Its `version` is the organisation's revision, the number the directory's
/// `policy_version` names: 0 for the built-in pack alone. The built-in pack's own number
/// (1) would read as the organisation's first pack, so a desktop holding it would take
/// the first real pack for one it already has.
pub fn effective_pack(stored: Option<&StoredPack>) -> Result<Pack, PackError> {
    let builtin = Pack::builtin();
    match stored {
        None => Ok(Pack {
            version: 0,
            ..builtin
        }),
        Some(stored) => {
            let mut organisation = Pack::from_toml(&stored.source)?;
            organisation.version = stored.version;
            builtin.layered(&organisation)
        }
    }
}

/// The guard of the pack in force.
pub async fn guard(server: &Server) -> Result<Arc<Guard>, ServerError> {
    let cache = &server.guard_cache().compiled;
    let current = server.storage().policy_version().await?;
    if let Some((v, guard)) = cache
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .as_ref()
        && *v == current
    {
        return Ok(Arc::clone(guard));
    }
    // Only a new version (or the first use) reads the pack's text and builds it.
    let stored = server.storage().policy_pack().await?;
    let version = stored.as_ref().map_or(0, |s| s.version);
    // A stored pack was checked when it was set; failing now means this build reads packs
    // differently, which an administrator must hear about rather than have ignored.
    let pack = effective_pack(stored.as_ref()).map_err(|e| {
        ServerError::Policy(format!(
            "the stored policy pack v{version} cannot be used: {e}"
        ))
    })?;
    let guard = Arc::new(
        Guard::new(pack)
            .map_err(|e| ServerError::Policy(format!("policy pack v{version}: {e}")))?,
    );
    *cache.lock().unwrap_or_else(PoisonError::into_inner) = Some((version, Arc::clone(&guard)));
    Ok(guard)
}

/// A draft's text and what the guard's rules need around it, before it is stored.
#[derive(Clone, Copy, Debug)]
pub struct Written<'a> {
    /// The text.
    pub body: &'a str,
    /// Its network.
    pub network: Network,
    /// Its media.
    pub media: &'a [Media],
    /// Its channel.
    pub channel: Option<ChannelId>,
    /// Its author.
    pub author: UserId,
    /// Its urgency as the server decided it.
    pub urgency: Urgency,
}

/// What the guard needs to know about the organisation at one moment to review any draft:
/// the guard, each channel's name and crisis state and spokespeople, and the replies.
pub struct Review {
    guard: Arc<Guard>,
    channels: HashMap<ChannelId, ChannelFacts>,
    replies: Vec<(Reply, Template)>,
    /// The blocking findings on each stored draft asked about so far (how many, and the
    /// first few), by what the guard reads of it that can change (the text and media change
    /// only with the version). A push of a thousand approvals of one draft runs the guard
    /// once, not a thousand times inside its write transaction.
    blocking: Mutex<HashMap<Reviewed, (usize, Vec<Finding>)>>,
}

/// What the guard reads of a stored draft that can change: its id and version (text and
/// media change only with it) and its urgency (crisis mode changes it).
type Reviewed = (DraftId, u64, Urgency);

struct ChannelFacts {
    name: String,
    in_crisis: bool,
    spokespeople: Vec<UserId>,
}

impl std::fmt::Debug for Review {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Review")
            .field("pack", &self.guard.pack().version)
            .field("channels", &self.channels.len())
            .field("replies", &self.replies.len())
            .finish()
    }
}

impl Review {
    /// Gathers what reviewing needs, now.
    pub async fn load(server: &Server) -> Result<Review, ServerError> {
        let storage = server.storage();
        let guard = guard(server).await?;
        let (channels, users, crisis, replies) = (
            storage.channels().await?,
            storage.users().await?,
            storage.crisis().await?,
            storage.replies().await?,
        );
        let channels = channels
            .iter()
            .map(|c| {
                let facts = ChannelFacts {
                    name: c.name.clone(),
                    in_crisis: crisis.covers(Some(c.id)),
                    spokespeople: crate::directory::spokespeople(c, &users)
                        .into_iter()
                        .map(|u| u.id)
                        .collect(),
                };
                (c.id, facts)
            })
            .collect();
        // A reply whose text stopped parsing (it was checked when added) is skipped rather
        // than failing every draft.
        let replies = replies
            .into_iter()
            .filter_map(|r| Template::parse(&r.text).ok().map(|t| (r, t)))
            .collect();
        Ok(Review {
            guard,
            channels,
            replies,
            blocking: Mutex::default(),
        })
    }

    /// The version of the organisation's pack that judges (0: the built-in pack alone).
    pub fn pack_version(&self) -> u64 {
        self.guard.pack().version
    }

    /// The findings on `draft` as it is stored.
    pub fn findings(&self, draft: &Draft) -> Vec<Finding> {
        self.findings_of(&Written {
            body: &draft.body,
            network: draft.network,
            media: &draft.media,
            channel: draft.channel_id,
            author: draft.author.id,
            urgency: draft.urgency,
        })
    }

    /// How many `block` findings `draft` as stored has, and the first `keep` of them. The
    /// guard reads each version once per `Review` (one push): later calls for it are
    /// answered from memory, which holds at most `keep` findings a draft.
    pub fn blocking(&self, draft: &Draft, keep: usize) -> (usize, Vec<Finding>) {
        let key = (draft.id, draft.version, draft.urgency);
        let memo = || self.blocking.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((count, kept)) = memo().get(&key)
            && kept.len() >= keep.min(*count)
        {
            return (*count, kept.iter().take(keep).cloned().collect());
        }
        let all: Vec<Finding> = self
            .findings(draft)
            .into_iter()
            .filter(Finding::blocks)
            .collect();
        let count = all.len();
        let kept: Vec<Finding> = all.into_iter().take(keep).collect();
        memo().insert(key, (count, kept.clone()));
        (count, kept)
    }

    /// The findings on a text about to be stored.
    pub fn findings_of(&self, written: &Written<'_>) -> Vec<Finding> {
        let facts = written.channel.and_then(|c| self.channels.get(&c));
        let subject = Subject {
            body: written.body,
            network: written.network,
            media: written.media,
            channel: facts.map(|f| f.name.as_str()),
            crisis: CrisisContext::of(
                written.urgency,
                facts.is_some_and(|f| f.in_crisis),
                facts.is_some_and(|f| f.spokespeople.contains(&written.author)),
            ),
        };
        self.guard.review(&subject)
    }

    /// What routing needs to know about `findings` on `body`: blocking, findings, clean, or
    /// a clean pre-approved reply whose slot values are themselves clean.
    ///
    /// Blocking means a `block` finding about what the draft says; a network's own limits
    /// (length, hashtags) block approval too, but no added step can fix them — the author
    /// must — so they only keep a draft off the fast lane.
    pub fn risk(&self, body: &str, network: Network, findings: &[Finding]) -> Risk {
        if findings
            .iter()
            .any(|f| f.blocks() && f.category != Category::Network)
        {
            return Risk::Blocking;
        }
        if !findings.is_empty() {
            return Risk::Findings;
        }
        for (reply, template) in &self.replies {
            let Some(values) = template.fill_of(body) else {
                continue;
            };
            let clean = values.iter().all(|v| {
                self.guard
                    .review(&Subject::text(v, network))
                    .iter()
                    .all(|f| f.severity == Severity::Info)
            });
            if clean {
                return Risk::PreApproved {
                    reply_id: reply.id.to_string(),
                    reply: reply.name.clone(),
                };
            }
        }
        Risk::Clean
    }
}

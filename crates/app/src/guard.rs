//! The policy guard on the desktop: the same pack the server uses (cached by the sync, so
//! it works offline), the findings on a draft, and the verdicts the queue shows.
//!
//! What a finding is and when it blocks is decided in `countersign-policy`; this module only
//! gathers a draft's context from the cached directory (its channel's name, crisis mode,
//! spokespeople), so the desktop and the server review the same text the same way.

use countersign_core::Draft;
use countersign_core::channel::Route;
use countersign_core::finding::{self, Finding, Measure};
use countersign_core::wire::Directory;
use countersign_policy::{CrisisContext, Guard, Pack, Subject};
use countersign_store::{Cache, GuardVerdict, StoreError};
use std::sync::{Arc, Mutex, PoisonError};

/// How many drafts are reviewed per cache round trip after a sync: small enough that the
/// window's own reads never wait long for the cache lock.
pub(crate) const REVIEW_BATCH: usize = 200;

/// The compiled guard of the pack version the cache holds (0: the built-in pack).
#[derive(Default)]
pub(crate) struct GuardSlot {
    compiled: Mutex<Option<(u64, Arc<Guard>)>>,
}

impl GuardSlot {
    /// The guard for the pack in `cache`, compiled once per pack version.
    pub(crate) fn get(&self, cache: &Cache) -> Result<Arc<Guard>, StoreError> {
        let version = cache.policy_version()?;
        let mut slot = self.compiled.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((v, guard)) = slot.as_ref()
            && *v == version
        {
            return Ok(Arc::clone(guard));
        }
        let stored = cache.policy_pack()?;
        let guard = Arc::new(compile(stored.as_ref().map(|(_, json)| json.as_str())));
        *slot = Some((version, Arc::clone(&guard)));
        Ok(guard)
    }
}

/// The guard of a cached pack, or of the built-in one when there is none or it cannot be
/// used (a pack of a newer format than this build reads: the built-in rules still apply,
/// and the server, which reads it, still refuses what it must).
fn compile(pack_json: Option<&str>) -> Guard {
    let Some(json) = pack_json else {
        return Guard::builtin();
    };
    let compiled = serde_json::from_str::<Pack>(json)
        .map_err(|e| e.to_string())
        .and_then(|pack| Guard::new(pack).map_err(|e| e.to_string()));
    match compiled {
        Ok(guard) => guard,
        Err(error) => {
            tracing::warn!(%error, "the cached policy pack cannot be used; using the built-in one");
            Guard::builtin()
        }
    }
}

/// The draft as the guard sees it, with its channel's context from `directory`.
pub fn subject<'a>(draft: &'a Draft, directory: Option<&'a Directory>) -> Subject<'a> {
    let channel = directory.and_then(|d| {
        d.channels
            .iter()
            .find(|c| Some(c.channel.id) == draft.channel_id)
    });
    let spokesperson = channel.is_some_and(|c| {
        c.spokespeople
            .iter()
            .any(|s| s.person.id == draft.author.id)
    });
    let crisis = CrisisContext::of(
        draft.urgency,
        channel.is_some_and(|c| c.in_crisis),
        spokesperson,
    );
    Subject::draft(draft, channel.map(|c| c.channel.name.as_str()), crisis)
}

/// Every finding on `draft`.
pub fn findings(guard: &Guard, draft: &Draft, directory: Option<&Directory>) -> Vec<Finding> {
    guard.review(&subject(draft, directory))
}

/// The verdict the queue keeps for `draft`.
pub(crate) fn verdict(draft: &Draft, findings: &[Finding]) -> GuardVerdict {
    GuardVerdict {
        id: draft.id,
        version: draft.version,
        worst: finding::worst(findings),
        findings: u32::try_from(findings.len()).unwrap_or(u32::MAX),
    }
}

/// How the server routed the draft's current version, if not the usual way.
pub fn route(draft: &Draft) -> Option<Route> {
    draft.route().cloned()
}

/// The draft's length as its network counts it.
pub fn measure(draft: &Draft) -> Measure {
    countersign_policy::measure(&draft.body, draft.network)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreadable_cached_pack_falls_back_to_the_builtin_rules() {
        let guard = compile(Some(r#"{"format": 99, "name": "from the future"}"#));
        assert_eq!(guard.pack().name, Pack::builtin().name);
        let org = Pack::builtin();
        let json = serde_json::to_string(&org).unwrap_or_default();
        assert_eq!(compile(Some(&json)).pack().rules.len(), org.rules.len());
    }
}

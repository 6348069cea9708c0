//! The policy guard on the desktop: the same pack the server uses (cached by the sync, so
//! it works offline), the findings on a draft, and the verdicts the queue shows.
//!
//! What a finding is and when it blocks is decided in `countersign-policy`; this module only
//! gathers a draft's context from the cached directory (its channel's name, crisis mode,
//! spokespeople), so the desktop and the server review the same text the same way.

use countersign_core::Draft;
use countersign_core::channel::Route;
use countersign_core::finding::{Finding, Measure};
use countersign_core::wire::Directory;
use countersign_policy::{CrisisContext, Guard, Pack, Subject};
use countersign_store::{Cache, GuardVerdict, StoreError};
use std::sync::{Arc, Mutex, PoisonError};

/// How many drafts are reviewed per cache round trip after a sync: small enough that the
/// window's own reads never wait long for the cache lock.
pub(crate) const REVIEW_BATCH: usize = 200;

/// The compiled guard of the pack version the cache holds (0: the built-in pack), kept
/// only while it is needed.
///
/// Compiled, a pack's patterns take ~18 MiB (`cargo bench -p countersign-policy`), more than
/// everything else the app holds. The findings are stored with each verdict, so opening,
/// approving and bulk-checking a reviewed draft read them from the cache; the guard is
/// compiled (~80 ms) when drafts arrive to be reviewed, or one without a stored review is
/// opened, and [`GuardSlot::release`]d once the reviews are done.
#[derive(Default)]
pub(crate) struct GuardSlot {
    compiled: Mutex<Option<(u64, Arc<Guard>)>>,
}

/// What the guard says about one draft: the findings stored with its verdict, or the guard
/// to run when the cache holds none for this version.
pub(crate) enum Review {
    Stored(Vec<Finding>),
    Run(Arc<Guard>),
}

impl Review {
    /// The findings, running the guard if they were not stored. Outside the cache lock: a
    /// long draft takes the guard a millisecond.
    pub(crate) fn findings(self, draft: &Draft, directory: Option<&Directory>) -> Vec<Finding> {
        match self {
            Review::Stored(found) => found,
            Review::Run(guard) => findings(&guard, draft, directory),
        }
    }
}

impl GuardSlot {
    /// The stored findings on `draft` as it is now, or the guard to find them with.
    pub(crate) fn review_of(&self, cache: &Cache, draft: &Draft) -> Result<Review, StoreError> {
        Ok(match cache.stored_findings(draft.id, draft.version)? {
            Some(found) => Review::Stored(found),
            None => Review::Run(self.get(cache)?),
        })
    }

    /// Every finding on `draft`: stored, or found now.
    pub(crate) fn findings_of(
        &self,
        cache: &Cache,
        draft: &Draft,
        directory: Option<&Directory>,
    ) -> Result<Vec<Finding>, StoreError> {
        Ok(self.review_of(cache, draft)?.findings(draft, directory))
    }

    /// Lets the compiled guard go (freed once the last review using it ends); the next
    /// [`GuardSlot::get`] compiles it again.
    pub(crate) fn release(&self) {
        *self.compiled.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }

    /// Whether a compiled guard is held (for tests).
    #[cfg(test)]
    pub(crate) fn is_compiled(&self) -> bool {
        self.compiled
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some()
    }

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

/// The verdict the cache keeps for `draft`: its findings.
pub(crate) fn verdict(draft: &Draft, findings: Vec<Finding>) -> GuardVerdict {
    GuardVerdict {
        id: draft.id,
        version: draft.version,
        findings,
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

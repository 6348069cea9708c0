//! The server's signed receipts for the decisions made here: the reviewer's own proof of
//! what they decided, on which version of which draft, on which exact text (its SHA-256),
//! and where the server's audit log recorded it.
//!
//! A receipt arrives in the push result of an applied decision and is stored by
//! [`Cache::record_results`] in the same transaction that marks the decision answered, so
//! a decision is never answered without its receipt kept. Each receipt is checked as it is
//! stored ([`ReceiptCheck`]): it must be for the decision pushed (same id, draft, version
//! and verdict), name the SHA-256 of the text the reviewer saw when that snapshot is of the
//! version decided on, and — once the server's key is pinned ([`Cache::set_receipt_key`]) —
//! carry a valid signature by that key. A receipt that fails is kept all the same, with the
//! reason: it is evidence, and "Export my decisions" shows it.
//!
//! Receipts live as long as the cache: sign-out and a remote wipe destroy them with it. The
//! export is how a reviewer keeps them for good.

use crate::columns::{self, micros};
use crate::{Cache, StoreError, sync_state};
use chrono::{DateTime, Utc};
use countersign_audit::receipt::{self as signing, PublicKey};
use countersign_core::wire::{ReceiptKey, SignedReceipt};
use countersign_core::{Decision, Draft, MutationId, MutationKind};
use rusqlite::{Connection, params};

/// The server's receipt key as `GET /api/v1/receipts/key` sent it (JSON), pinned at the
/// first sign-in.
const RECEIPT_KEY: &str = "receipt_key";

/// What the desktop found when it checked a receipt on arrival.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "result", content = "reason")]
pub enum ReceiptCheck {
    /// It matches the decision, and no server key was pinned to check the signature with.
    Unchecked,
    /// It matches the decision and carries a valid signature by the pinned key.
    Valid,
    /// It does not hold up: why, in a sentence.
    Failed(String),
}

impl ReceiptCheck {
    fn column(&self) -> Option<String> {
        match self {
            ReceiptCheck::Unchecked => None,
            ReceiptCheck::Valid => Some(VALID.to_owned()),
            ReceiptCheck::Failed(why) => Some(why.clone()),
        }
    }

    fn from_column(text: Option<String>) -> ReceiptCheck {
        match text {
            None => ReceiptCheck::Unchecked,
            Some(text) if text == VALID => ReceiptCheck::Valid,
            Some(why) => ReceiptCheck::Failed(why),
        }
    }

    /// True for a receipt that failed its check.
    pub fn failed(&self) -> bool {
        matches!(self, ReceiptCheck::Failed(_))
    }
}

const VALID: &str = "valid";

/// A decision made here that the server confirmed with a receipt.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct StoredReceipt {
    /// The outbox id the decision was pushed under.
    pub mutation_id: MutationId,
    /// The decision as it was pushed (with the reviewer's comment).
    pub decision: Decision,
    /// The receipt as the server signed it.
    pub signed: SignedReceipt,
    /// When it arrived here.
    pub received_at: DateTime<Utc>,
    /// What the check on arrival found.
    pub check: ReceiptCheck,
}

/// A decision made here that no receipt confirms (yet): still in the outbox.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct UnconfirmedDecision {
    /// Its outbox id.
    pub mutation_id: MutationId,
    /// The decision.
    pub decision: Decision,
    /// The draft as the reviewer saw it when deciding, when it was cached.
    pub decided_on: Option<Draft>,
    /// When it was recorded here.
    pub recorded_at: DateTime<Utc>,
    /// True when the server said it took effect but sent no receipt (a server from before
    /// receipts); false while the server has not answered.
    pub answered: bool,
}

impl Cache {
    /// The server's receipt key (the JSON `GET /api/v1/receipts/key` answers), once pinned.
    pub fn receipt_key(&self) -> Result<Option<String>, StoreError> {
        sync_state::get_raw(&self.conn, RECEIPT_KEY)
    }

    /// Pins the server's receipt key (its public half, as JSON) and checks against it every
    /// receipt kept unchecked so far, in one transaction; receipts arriving from now on are
    /// checked as they come. Returns how many of the receipts checked now failed. Fails
    /// with [`StoreError::ReceiptKey`], pinning nothing, if it is not a key.
    pub fn set_receipt_key(&mut self, key_json: &str) -> Result<usize, StoreError> {
        let key = parse_key(key_json)?;
        let tx = self.conn.transaction()?;
        sync_state::set(&tx, RECEIPT_KEY, key_json)?;
        let unchecked: Vec<(String, i64, String)> = tx
            .prepare_cached(
                "SELECT decision_id, audit_position, receipt FROM receipts WHERE checked IS NULL",
            )?
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
            .collect::<Result<_, _>>()?;
        let mut failed = 0;
        {
            let mut update = tx.prepare_cached(
                "UPDATE receipts SET checked = ?3 WHERE decision_id = ?1 AND audit_position = ?2",
            )?;
            for (decision_id, position, json) in unchecked {
                let signed: SignedReceipt = serde_json::from_str(&json)?;
                let check = signature_check(&signed, &key);
                failed += usize::from(check.failed());
                update.execute(params![decision_id, position, check.column()])?;
            }
        }
        tx.commit()?;
        Ok(failed)
    }

    /// Every receipt kept, in the order the server decided.
    pub fn receipts(&self) -> Result<Vec<StoredReceipt>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT mutation_id, decision, receipt, received_at, checked FROM receipts
             ORDER BY decided_at, decision_id, audit_position",
        )?;
        let rows = stmt.query_map([], |row| {
            Ok(StoredReceipt {
                mutation_id: MutationId(row.get(0)?),
                decision: columns::json(row, 1)?,
                signed: columns::json(row, 2)?,
                received_at: columns::time(row, 3)?,
                check: ReceiptCheck::from_column(row.get(4)?),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Decisions in the outbox without a receipt, oldest first: not yet confirmed by the
    /// server.
    pub fn unconfirmed_decisions(&self) -> Result<Vec<UnconfirmedDecision>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT mutation_id, mutation, decided_on, created_at, answered_at IS NOT NULL
             FROM outbox
             WHERE verdict IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM receipts r
                               WHERE r.decision_id = json_extract(outbox.mutation, '$.decision.id'))
             ORDER BY mutation_id",
        )?;
        let rows = stmt.query_map([], |row| {
            let kind: MutationKind = columns::json(row, 1)?;
            Ok((
                MutationId(row.get(0)?),
                kind,
                columns::opt_json::<Draft>(row, 2)?,
                columns::time(row, 3)?,
                row.get::<_, bool>(4)?,
            ))
        })?;
        let mut decisions = Vec::new();
        for row in rows {
            let (mutation_id, kind, decided_on, recorded_at, answered) = row?;
            if let MutationKind::Decide { decision } = kind {
                decisions.push(UnconfirmedDecision {
                    mutation_id,
                    decision,
                    decided_on,
                    recorded_at,
                    answered,
                });
            }
        }
        Ok(decisions)
    }
}

/// Stores the receipt that answered outbox row `mutation_id`, checked, inside the caller's
/// transaction. The same receipt again (a retried push) changes nothing. Returns the check,
/// or `None` when the row is not a decision (an annotation carries no receipt).
pub(crate) fn keep(
    tx: &Connection,
    mutation_id: MutationId,
    signed: &SignedReceipt,
    now: DateTime<Utc>,
) -> Result<Option<ReceiptCheck>, StoreError> {
    let (mutation, decided_on): (String, Option<String>) = tx
        .prepare_cached("SELECT mutation, decided_on FROM outbox WHERE mutation_id = ?1")?
        .query_row([mutation_id.0], |row| Ok((row.get(0)?, row.get(1)?)))?;
    let MutationKind::Decide { decision } = serde_json::from_str(&mutation)? else {
        return Ok(None);
    };
    let decided_on: Option<Draft> = decided_on
        .as_deref()
        .map(serde_json::from_str)
        .transpose()?;
    let key = sync_state::get_raw(tx, RECEIPT_KEY)?;
    let check = check(signed, &decision, decided_on.as_ref(), key.as_deref());
    let receipt = &signed.receipt;
    tx.prepare_cached(
        "INSERT INTO receipts (decision_id, audit_position, mutation_id, draft_id, draft_version,
                               decision, receipt, decided_at, received_at, checked)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (decision_id, audit_position) DO NOTHING",
    )?
    .execute(params![
        receipt.decision_id.to_string(),
        receipt.audit.position,
        mutation_id.0,
        receipt.draft_id.to_string(),
        receipt.draft_version,
        serde_json::to_string(&decision)?,
        serde_json::to_string(signed)?,
        micros(receipt.decided_at),
        micros(now),
        check.column(),
    ])?;
    Ok(Some(check))
}

/// Does this receipt hold up for this decision? See the module documentation.
fn check(
    signed: &SignedReceipt,
    decision: &Decision,
    decided_on: Option<&Draft>,
    key: Option<&str>,
) -> ReceiptCheck {
    let r = &signed.receipt;
    if r.decision_id != decision.id
        || r.draft_id != decision.draft_id
        || r.draft_version != decision.draft_version
        || r.verdict != decision.verdict
    {
        return ReceiptCheck::Failed(
            "the receipt is for another decision than the one sent (id, draft, version or \
             verdict differ)"
                .to_owned(),
        );
    }
    // The snapshot is the text the reviewer read; the receipt names the text the server
    // recorded the decision on. They are the same version, so they must be the same text.
    if let Some(seen) = decided_on.filter(|d| d.version == decision.draft_version) {
        let sha = countersign_audit::content_sha256(&seen.body);
        if sha != r.content_sha256 {
            return ReceiptCheck::Failed(format!(
                "the receipt names text with SHA-256 {} but version {} as you saw it has {sha}",
                r.content_sha256, decision.draft_version
            ));
        }
    }
    let Some(key) = key else {
        return ReceiptCheck::Unchecked;
    };
    match parse_key(key) {
        Ok(key) => signature_check(signed, &key),
        Err(e) => ReceiptCheck::Failed(e.to_string()),
    }
}

fn signature_check(signed: &SignedReceipt, key: &PublicKey) -> ReceiptCheck {
    match signing::verify(signed, key) {
        Ok(()) => ReceiptCheck::Valid,
        Err(e) => ReceiptCheck::Failed(format!("the signature does not hold: {e}")),
    }
}

fn parse_key(json: &str) -> Result<PublicKey, StoreError> {
    let wire: ReceiptKey =
        serde_json::from_str(json).map_err(|e| StoreError::ReceiptKey(e.to_string()))?;
    PublicKey::from_wire(&wire).map_err(|e| StoreError::ReceiptKey(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::ReceiptCheck;
    use crate::fixtures::{annotate, cache, decide, draft, page, seed, t0};
    use crate::{Cache, CacheKey};
    use countersign_audit::receipt::ReceiptSigner;
    use countersign_core::wire::{AuditHead, Receipt, SignedReceipt};
    use countersign_core::{
        Draft, MutationId, MutationKind, MutationResult, Person, UserId, Verdict,
    };
    use uuid::Uuid;

    fn signer() -> ReceiptSigner {
        ReceiptSigner::from_secret_bytes([9; 32])
    }

    fn key_json(signer: &ReceiptSigner) -> String {
        serde_json::to_string(&signer.public_key().to_wire()).unwrap()
    }

    /// What the server would sign for `kind` (a decision) on `body`.
    fn receipt_for(kind: &MutationKind, body: &str, position: u64) -> Receipt {
        let MutationKind::Decide { decision } = kind else {
            panic!("a decision")
        };
        Receipt {
            decision_id: decision.id,
            draft_id: decision.draft_id,
            draft_version: decision.draft_version,
            content_sha256: countersign_audit::content_sha256(body),
            verdict: decision.verdict,
            step: Some("review".into()),
            override_reason: false,
            reviewer: Person {
                id: UserId(Uuid::from_u128(7)),
                username: "rita".into(),
                display_name: "Rita".into(),
            },
            decided_at: t0() + chrono::Duration::minutes(1),
            audit: AuditHead {
                position,
                hash: "ab".repeat(32),
            },
            key_id: String::new(),
        }
    }

    fn applied(id: MutationId, signed: &SignedReceipt) -> MutationResult {
        MutationResult {
            receipt: Some(signed.clone()),
            ..MutationResult::applied(id)
        }
    }

    /// A cache holding `d`, with one approval of it in the outbox.
    fn approved(cache: &mut Cache, d: &Draft) -> (MutationId, MutationKind) {
        seed(cache, std::slice::from_ref(d));
        let kind = decide(d, Verdict::Approve);
        (cache.enqueue(&kind, t0()).unwrap(), kind)
    }

    #[test]
    fn a_receipt_is_kept_once_and_survives_reopening_the_encrypted_cache() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        let key = CacheKey::generate();
        let d = draft(1, "Our store opens at 9.");
        let signer = signer();
        let signed = signer.sign(receipt_for(&decide(&d, Verdict::Approve), &d.body, 5));
        {
            let mut cache = Cache::open(&path, &key).unwrap();
            assert_eq!(cache.set_receipt_key(&key_json(&signer)).unwrap(), 0);
            let (id, kind) = approved(&mut cache, &d);
            let signed = signer.sign(receipt_for(&kind, &d.body, 5));
            let first = cache.record_results(&[applied(id, &signed)], t0()).unwrap();
            assert_eq!((first.receipts, first.failed_receipts), (1, 0));
            // A retried push: the server answers the duplicate with the same receipt.
            let again = MutationResult::duplicate_of(&applied(id, &signed));
            assert_eq!(again.receipt.as_ref(), Some(&signed));
            cache.record_results(&[again], t0()).unwrap();
            assert_eq!(
                cache.receipts().unwrap().len(),
                1,
                "the same receipt is one row"
            );
            // The pull that confirms the decision drops its outbox row, not its receipt.
            cache.apply_changes(&page(vec![], "c", id.0)).unwrap();
            assert_eq!(cache.pending_count().unwrap(), 0);
        }
        let reopened = Cache::open(&path, &key).unwrap();
        let kept = reopened.receipts().unwrap();
        assert_eq!(kept.len(), 1, "a receipt survives closing the cache");
        assert_eq!(kept[0].check, ReceiptCheck::Valid);
        assert_eq!(kept[0].signed.receipt.draft_id, d.id);
        assert_eq!(
            kept[0].signed.receipt.content_sha256,
            signed.receipt.content_sha256
        );
        assert_eq!(kept[0].decision.draft_id, d.id);
        countersign_audit::receipt::verify(&kept[0].signed, &signer.public_key())
            .expect("the receipt is stored exactly as signed");
        assert!(reopened.unconfirmed_decisions().unwrap().is_empty());
        drop(reopened);
        assert!(
            matches!(
                Cache::open(&path, &CacheKey::generate()),
                Err(crate::StoreError::WrongKey { .. })
            ),
            "receipts are behind the cache key like everything else"
        );
    }

    #[test]
    fn a_receipt_that_does_not_hold_up_is_kept_and_marked_failed() {
        let signer = signer();
        let other = ReceiptSigner::from_secret_bytes([10; 32]);
        let d = draft(1, "Our store opens at 9.");
        type Spoil = fn(&ReceiptSigner, &ReceiptSigner, Receipt, &Draft) -> SignedReceipt;
        let cases: [(&str, Spoil, &str); 4] = [
            (
                "another text",
                |s, _, mut r, _| {
                    r.content_sha256 = countersign_audit::content_sha256("Our store opens at 10.");
                    s.sign(r)
                },
                "SHA-256",
            ),
            (
                "another verdict",
                |s, _, mut r, _| {
                    r.verdict = Verdict::Reject;
                    s.sign(r)
                },
                "another decision",
            ),
            ("another key", |_, o, r, _| o.sign(r), "signature"),
            (
                "an edited receipt",
                |s, _, r, _| {
                    let mut signed = s.sign(r);
                    signed.receipt.audit.position += 1;
                    signed
                },
                "signature",
            ),
        ];
        for (what, spoil, says) in cases {
            let mut cache = cache();
            cache.set_receipt_key(&key_json(&signer)).unwrap();
            let (id, kind) = approved(&mut cache, &d);
            let bad = spoil(&signer, &other, receipt_for(&kind, &d.body, 5), &d);
            let recorded = cache.record_results(&[applied(id, &bad)], t0()).unwrap();
            assert_eq!(
                (recorded.receipts, recorded.failed_receipts),
                (1, 1),
                "{what}"
            );
            let kept = cache.receipts().unwrap();
            assert_eq!(kept.len(), 1, "{what}: kept as evidence");
            match &kept[0].check {
                ReceiptCheck::Failed(why) => assert!(why.contains(says), "{what}: {why}"),
                other => panic!("{what}: {other:?}"),
            }
        }
    }

    #[test]
    fn receipts_kept_before_the_key_was_pinned_are_checked_when_it_is() {
        let signer = signer();
        let mut cache = cache();
        let (a, b) = (draft(1, "one"), draft(2, "two"));
        let (id_a, kind_a) = approved(&mut cache, &a);
        let (id_b, kind_b) = approved(&mut cache, &b);
        let good = signer.sign(receipt_for(&kind_a, &a.body, 5));
        let forged =
            ReceiptSigner::from_secret_bytes([11; 32]).sign(receipt_for(&kind_b, &b.body, 6));
        let recorded = cache
            .record_results(&[applied(id_a, &good), applied(id_b, &forged)], t0())
            .unwrap();
        assert_eq!((recorded.receipts, recorded.failed_receipts), (2, 0));
        assert!(
            cache
                .receipts()
                .unwrap()
                .iter()
                .all(|r| r.check == ReceiptCheck::Unchecked)
        );

        assert_eq!(
            cache.set_receipt_key(&key_json(&signer)).unwrap(),
            1,
            "the forged one fails"
        );
        let checks: Vec<bool> = cache
            .receipts()
            .unwrap()
            .iter()
            .map(|r| r.check.failed())
            .collect();
        assert_eq!(checks, [false, true]);
        assert_eq!(cache.receipts().unwrap()[0].check, ReceiptCheck::Valid);
        assert_eq!(cache.receipt_key().unwrap(), Some(key_json(&signer)));
    }

    #[test]
    fn a_key_that_is_not_one_is_refused_and_nothing_is_pinned() {
        let cache = &mut cache();
        let mut wire = signer().public_key().to_wire();
        wire.key_id = "0000000000000000".into();
        for bad in [
            "not json",
            r#"{"algorithm":"rsa"}"#,
            &serde_json::to_string(&wire).unwrap(),
        ] {
            let err = cache.set_receipt_key(bad).unwrap_err();
            assert!(
                matches!(err, crate::StoreError::ReceiptKey(_)),
                "{bad}: {err:?}"
            );
        }
        assert_eq!(cache.receipt_key().unwrap(), None);
    }

    #[test]
    fn decisions_without_a_receipt_are_listed_as_unconfirmed_and_annotations_are_not() {
        let mut cache = cache();
        let (a, b, c) = (draft(1, "one"), draft(2, "two"), draft(3, "three"));
        seed(&mut cache, &[a.clone(), b.clone(), c.clone()]);
        let confirmed = decide(&a, Verdict::Approve);
        let id_a = cache.enqueue(&confirmed, t0()).unwrap();
        let id_b = cache.enqueue(&decide(&b, Verdict::Reject), t0()).unwrap();
        let id_c = cache.enqueue(&decide(&c, Verdict::Approve), t0()).unwrap();
        let note = cache.enqueue(&annotate(&a, "a note"), t0()).unwrap();
        let signed = signer().sign(receipt_for(&confirmed, &a.body, 5));
        // b: applied by a server that sent no receipt; c: not answered yet.
        cache
            .record_results(
                &[
                    applied(id_a, &signed),
                    MutationResult::applied(id_b),
                    MutationResult::applied(note),
                ],
                t0(),
            )
            .unwrap();
        let waiting = cache.unconfirmed_decisions().unwrap();
        let listed: Vec<(MutationId, bool)> = waiting
            .iter()
            .map(|w| (w.mutation_id, w.answered))
            .collect();
        assert_eq!(listed, [(id_b, true), (id_c, false)]);
        assert_eq!(
            waiting[0].decided_on.as_ref().map(|d| d.body.as_str()),
            Some("two")
        );
        assert_eq!(waiting[1].decision.verdict, Verdict::Approve);
        assert_eq!(cache.receipts().unwrap().len(), 1);
    }
}

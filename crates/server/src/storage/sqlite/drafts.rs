//! Drafts, the change sequence, the changes feed and push batches in SQLite.

use super::sequence::{ChangeSeq, counters, mark_directory_changed};
use super::{
    accounts, annotations, audit, channels, from_sql_int, parse_uuid, to_sql_int, webhooks,
};
use crate::clock::to_text;
use crate::push::{self, Step};
use crate::storage::{
    ChangeRow, ChangesPage, ChangesRequest, CrisisChange, CrisisUpdate, DraftChange, DraftUpdate,
    Handover, HandoverOutcome, PushBatch, PushOutcome, Scope, StorageError, StorageResult,
};
use crate::trail::{Trail, actor_ref, draft_ref};
use chrono::{DateTime, Utc};
use countersign_audit::{NewEvent, kinds};
use countersign_core::approval::Actor;
use countersign_core::limits::{self, MAX_PAGE_BYTES};
use countersign_core::wire::admin::{CrisisEffect, LeaveReport};
use countersign_core::{
    AnnotationId, ChannelAccess, ClientId, Draft, DraftId, DraftStatus, HistoryEvent, Mutation,
    MutationId, MutationKind, MutationResult, MutationStatus, Person, UserId, Verdict, crisis,
    handover,
};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};
use serde_json::json;
use std::borrow::Cow;

pub(super) fn insert_drafts(tx: &Connection, drafts: &[Draft], trail: &Trail) -> StorageResult<()> {
    let mut seq = ChangeSeq::load(tx)?;
    let mut stmt = tx.prepare_cached(
        "INSERT INTO drafts (id, team_id, author_id, status, version, change_seq, draft_json, \
         created_at, updated_at, channel_id, owner_id) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?;
    for written in drafts {
        let draft = bounded(written);
        stmt.execute(params![
            draft.id.to_string(),
            draft.team.to_string(),
            draft.author.id.to_string(),
            draft.status.as_str(),
            to_sql_int(draft.version)?,
            to_sql_int(seq.next())?,
            serde_json::to_string(&*draft)?,
            to_text(draft.created_at),
            to_text(draft.updated_at),
            draft.channel_id.map(|c| c.to_string()),
            draft.owner().id.to_string(),
        ])?;
        // From the history as written: the trim may have folded comments away.
        annotations::keep_history(tx, written)?;
        let detail = json!({
            "author": actor_ref(&draft.author),
            "team": draft.team,
            "channel": {"id": draft.channel_id, "network": draft.network, "account": draft.channel},
            "status": draft.status,
            "urgency": draft.urgency,
            "scheduled_at": draft.scheduled_at.map(to_text),
        });
        let event = trail.event(
            draft.created_at,
            kinds::DRAFT_CREATED,
            Some(draft_ref(&draft)),
            detail,
        );
        let head = audit::append(tx, event)?;
        // Approved as written (a pre-approved reply): handed to publishing at once.
        if draft.status == DraftStatus::Approved {
            webhooks::enqueue_approved(tx, &draft, &head, draft.created_at)?;
        }
    }
    seq.store(tx)
}

/// `draft` with its history within the caps ([`limits::trim_history`]). Most drafts are,
/// and are not copied.
fn bounded(draft: &Draft) -> Cow<'_, Draft> {
    if limits::history_over(draft) {
        let mut trimmed = draft.clone();
        limits::trim_history(&mut trimmed);
        Cow::Owned(trimmed)
    } else {
        Cow::Borrowed(draft)
    }
}

/// Stores a changed draft under change sequence number `seq`, its history trimmed to the
/// caps: every write goes through here, so no path lets a draft grow without bound.
fn save_draft(tx: &Connection, draft: &Draft, seq: u64) -> StorageResult<()> {
    let draft = bounded(draft);
    tx.prepare_cached(
        "UPDATE drafts SET team_id = ?1, status = ?2, version = ?3, change_seq = ?4, \
         draft_json = ?5, updated_at = ?6, channel_id = ?7, owner_id = ?8 WHERE id = ?9",
    )?
    .execute(params![
        draft.team.to_string(),
        draft.status.as_str(),
        to_sql_int(draft.version)?,
        to_sql_int(seq)?,
        serde_json::to_string(&*draft)?,
        to_text(draft.updated_at),
        draft.channel_id.map(|c| c.to_string()),
        draft.owner().id.to_string(),
        draft.id.to_string(),
    ])?;
    Ok(())
}

/// The drafts that are not final yet, plus approved ones (crisis mode may hold them).
fn open_drafts(tx: &Connection) -> StorageResult<Vec<Draft>> {
    let mut stmt = tx.prepare_cached(
        "SELECT draft_json FROM drafts \
         WHERE status IN ('pending', 'changes_requested', 'approved', 'held') ORDER BY change_seq",
    )?;
    let rows = stmt
        .query_map([], |row| row.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.iter()
        .map(|json| Ok(serde_json::from_str(json)?))
        .collect()
}

pub(super) fn load_draft(tx: &Connection, id: DraftId) -> StorageResult<Option<Draft>> {
    let json: Option<String> = tx
        .prepare_cached("SELECT draft_json FROM drafts WHERE id = ?1")?
        .query_row([id.to_string()], |row| row.get(0))
        .optional()?;
    Ok(json.map(|j| serde_json::from_str(&j)).transpose()?)
}

pub(super) fn update_draft(
    tx: &Connection,
    id: DraftId,
    change: DraftChange,
    trail: &Trail,
) -> StorageResult<DraftUpdate> {
    let Some(current) = load_draft(tx, id)? else {
        return Ok(DraftUpdate::NotFound);
    };
    match change(&current) {
        Ok(mut next) => {
            // Before the trim, which may fold the edit's entry away.
            let accepted = annotations::mark_accepted(tx, &current, &next)?;
            // Trimmed here too, so the caller gets the draft exactly as stored.
            limits::trim_history(&mut next);
            let mut seq = ChangeSeq::load(tx)?;
            save_draft(tx, &next, seq.next())?;
            seq.store(tx)?;
            let head = audit::append(tx, draft_changed(trail, &current, &next, accepted))?;
            // An edit that needs no review any more (a pre-approved reply) approves it.
            if next.status == DraftStatus::Approved && current.status != DraftStatus::Approved {
                webhooks::enqueue_approved(tx, &next, &head, next.updated_at)?;
            }
            Ok(DraftUpdate::Updated(Box::new(next)))
        }
        Err(refusal) => Ok(DraftUpdate::Refused {
            refusal,
            current: Box::new(current),
        }),
    }
}

/// The event of an author's change to a draft: what it became, told from the statuses (a
/// withdrawal, a publication) or else an edit, naming the version and text before it (and
/// the annotation whose suggestion it accepted, when it was one).
fn draft_changed(
    trail: &Trail,
    before: &Draft,
    after: &Draft,
    accepted_suggestion: Option<AnnotationId>,
) -> NewEvent {
    let became = |status| after.status == status && before.status != status;
    let kind = if became(DraftStatus::Withdrawn) {
        kinds::DRAFT_WITHDRAWN
    } else if became(DraftStatus::Published) {
        kinds::DRAFT_PUBLISHED
    } else {
        kinds::DRAFT_EDITED
    };
    let was = draft_ref(before);
    let mut detail = json!({
        "before": {
            "version": was.version,
            "content_sha256": was.content_sha256,
            "status": before.status,
        },
        "status": after.status,
    });
    if let (Some(id), Some(object)) = (accepted_suggestion, detail.as_object_mut()) {
        object.insert("accepted_suggestion".into(), json!(id));
    }
    trail.event(after.updated_at, kind, Some(draft_ref(after)), detail)
}

/// Reads one page, the client's state and (when it changed after the cursor) the user's
/// directory from one snapshot. Returns the client's owner (`None` when the client is new or
/// absent) so the caller can register or refuse it.
pub(super) fn changes_page(
    tx: &Connection,
    request: &ChangesRequest,
) -> StorageResult<(ChangesPage, Option<UserId>)> {
    let user_id = request.user.id;
    let (owner, last_mutation_id) = match request.client_id {
        Some(id) => match client(tx, id)? {
            Some((owner, last)) => (Some(owner), last),
            None => (None, MutationId(0)),
        },
        None => (None, MutationId(0)),
    };
    let mut page = ChangesPage {
        rows: vec![],
        has_more: false,
        next_cursor: request.after,
        last_mutation_id,
        directory: None,
    };
    if owner.is_some_and(|o| o != user_id) {
        return Ok((page, owner));
    }
    let (directory_seq, last_seq) = counters(tx)?;
    if request.after > last_seq {
        // Every cursor this database issued is at or below its last sequence number: this
        // one came from the same server before it was restored from a backup.
        return Err(StorageError::CursorAhead {
            cursor: request.after,
            end: last_seq,
        });
    }
    let scope_change = first_scope_change(tx, user_id, request.after)?;
    // The account as this snapshot holds it, not as the caller looked it up a moment ago: a
    // scope change committed in between must be judged against the scope after it, or its
    // removals would never be sent. Every change to an account moves the directory on, so
    // when neither moved past the cursor the caller's copy is current — the common case of
    // a sync that finds nothing is spared three queries.
    let reread;
    let user = if directory_seq > request.after || scope_change.is_some() {
        reread = match accounts::user_by_id(tx, user_id)? {
            Some(user) if user.is_active() => user,
            // Disabled (or gone) since the caller was authenticated: nothing more for them.
            _ => return Ok((page, owner)),
        };
        &reread
    } else {
        &request.user
    };
    if directory_seq > request.after {
        page.directory = Some(crate::directory::build(
            user,
            &accounts::teams(tx)?,
            &channels::channels(tx)?,
            &accounts::users(tx)?,
            &channels::crisis(tx)?,
            &crate::directory::PolicyFacts {
                version: super::policy::policy_version(tx)?,
                routings: super::policy::routings(tx)?,
            },
        ));
    }
    let scope = Scope::of(&user.actor());

    let mut values = vec![Value::Integer(to_sql_int(request.after)?)];
    let predicate = scope_sql(&scope, &mut values);
    // A removal sends only the id: its JSON is not read.
    let mut sql = format!(
        "SELECT change_seq, id, status, \
         CASE WHEN status = 'withdrawn' THEN '{{}}' ELSE draft_json END \
         FROM drafts WHERE change_seq > ?1 AND {predicate}"
    );
    if let Some((seq, _)) = &scope_change {
        values.push(Value::Integer(to_sql_int(*seq)?));
        sql.push_str(&format!(" AND change_seq < ?{}", values.len()));
    }
    values.push(Value::Integer(to_sql_int(request.limit as u64 + 1)?));
    sql.push_str(&format!(" ORDER BY change_seq LIMIT ?{}", values.len()));
    let (mut rows, cut) = query_page(tx, &sql, values, request.limit, MAX_PAGE_BYTES)?;
    if cut {
        page.has_more = true;
        page.next_cursor = rows.last().map_or(request.after, |r| r.seq);
    } else if let Some((seq, old_scope)) = scope_change {
        // What the user could see changed here: tell the desktop what left and what
        // arrived, then carry on after it with the next page.
        rows.extend(scope_difference(tx, seq, &old_scope, &scope)?);
        page.has_more = true;
        page.next_cursor = seq;
    } else {
        // Nothing more in scope up to the end of this snapshot.
        page.next_cursor = last_seq.max(request.after);
    }
    page.rows = rows;
    Ok((page, owner))
}

/// `WHERE` text selecting the drafts of `scope`, its parameters appended to `values`.
fn scope_sql(scope: &Scope, values: &mut Vec<Value>) -> String {
    let Scope::Teams { teams, channels } = scope else {
        return "1 = 1".to_owned();
    };
    if teams.is_empty() || matches!(channels, ChannelAccess::Only(list) if list.is_empty()) {
        return "1 = 0".to_owned();
    }
    let mut placeholders = |ids: Vec<String>| {
        ids.into_iter()
            .map(|id| {
                values.push(Value::Text(id));
                format!("?{}", values.len())
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut sql = format!(
        "team_id IN ({})",
        placeholders(teams.iter().map(ToString::to_string).collect())
    );
    if let ChannelAccess::Only(list) = channels {
        sql.push_str(&format!(
            " AND channel_id IN ({})",
            placeholders(list.iter().map(ToString::to_string).collect())
        ));
    }
    sql
}

/// Reads feed rows until `limit` rows or `budget` bytes of draft JSON (the first row
/// always comes, however large), and says whether it stopped short of the end (`true`: the
/// page has more after it). Rows past the cut are never read into memory.
fn query_page(
    tx: &Connection,
    sql: &str,
    values: Vec<Value>,
    limit: usize,
    budget: usize,
) -> StorageResult<(Vec<ChangeRow>, bool)> {
    let mut stmt = tx.prepare_cached(sql)?;
    let mut found = stmt.query(params_from_iter(values))?;
    let mut rows = Vec::new();
    let mut bytes = 0;
    while let Some(row) = found.next()? {
        if rows.len() == limit {
            return Ok((rows, true));
        }
        let draft_json: String = row.get(3)?;
        if !rows.is_empty() && bytes + draft_json.len() > budget {
            return Ok((rows, true));
        }
        bytes += draft_json.len();
        let status: String = row.get(2)?;
        rows.push(ChangeRow {
            seq: from_sql_int(row.get(0)?)?,
            draft_id: DraftId(parse_uuid(&row.get::<_, String>(1)?)?),
            removed: status == DraftStatus::Withdrawn.as_str(),
            draft_json,
        });
    }
    Ok((rows, false))
}

/// The user's first scope change after `after`: its sequence number and the scope before.
fn first_scope_change(
    tx: &Connection,
    user: UserId,
    after: u64,
) -> StorageResult<Option<(u64, Scope)>> {
    let row: Option<(i64, String)> = tx
        .prepare_cached(
            "SELECT seq, old_scope_json FROM scope_changes WHERE user_id = ?1 AND seq > ?2 \
             ORDER BY seq LIMIT 1",
        )?
        .query_row(params![user.to_string(), to_sql_int(after)?], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()?;
    row.map(|(seq, json)| Ok((from_sql_int(seq)?, serde_json::from_str(&json)?)))
        .transpose()
}

/// Every draft in exactly one of `old` and `now`: a removal for those in `old` only, the
/// draft as it is for those in `now` only (a removal if withdrawn). Numbered `seq`.
fn scope_difference(
    tx: &Connection,
    seq: u64,
    old: &Scope,
    now: &Scope,
) -> StorageResult<Vec<ChangeRow>> {
    let mut values = Vec::new();
    let was = scope_sql(old, &mut values);
    let is = scope_sql(now, &mut values);
    let sql = format!(
        "SELECT id, status, draft_json, CASE WHEN {is} THEN 1 ELSE 0 END FROM drafts \
         WHERE (CASE WHEN {was} THEN 1 ELSE 0 END) <> (CASE WHEN {is} THEN 1 ELSE 0 END) \
         ORDER BY id"
    );
    let mut stmt = tx.prepare_cached(&sql)?;
    let raw = stmt
        .query_map(params_from_iter(values), |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, bool>(3)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    raw.into_iter()
        .map(|(id, status, draft_json, visible)| {
            Ok(ChangeRow {
                seq,
                draft_id: DraftId(parse_uuid(&id)?),
                removed: !visible || status == DraftStatus::Withdrawn.as_str(),
                draft_json,
            })
        })
        .collect()
}

/// Turns crisis mode on or off and applies what that does to the drafts.
pub(super) fn set_crisis(
    tx: &Connection,
    change: CrisisChange,
    by: &Person,
    now: DateTime<Utc>,
    trail: &Trail,
) -> StorageResult<CrisisUpdate> {
    let before = channels::crisis(tx)?;
    let after = match change(&before) {
        Ok(after) => after,
        Err(refusal) => return Ok(CrisisUpdate::Refused(refusal)),
    };
    channels::write_crisis(tx, &after)?;
    let mut effect = CrisisEffect::default();
    let mut seq = ChangeSeq::load(tx)?;
    // Approved drafts the publishing tool already has, held back now: told after the
    // crisis event, with its head.
    let mut held = Vec::new();
    for draft in open_drafts(tx)? {
        let (was, is) = (
            before.covers(draft.channel_id),
            after.covers(draft.channel_id),
        );
        let next = match (was, is) {
            (false, true) => crisis::start(&draft, &after.reason, by, now),
            (true, false) => crisis::end(&draft, by, now),
            _ => None,
        };
        let Some(next) = next else { continue };
        match next.history.last().map(|h| &h.event) {
            Some(HistoryEvent::Escalated { .. }) => effect.escalated += 1,
            Some(HistoryEvent::Held { .. }) => {
                effect.held += 1;
                held.push(next.clone());
            }
            Some(HistoryEvent::ReturnedToReview) => effect.returned_to_review += 1,
            Some(HistoryEvent::Deescalated) => effect.deescalated += 1,
            _ => {}
        }
        save_draft(tx, &next, seq.next())?;
    }
    seq.store(tx)?;
    mark_directory_changed(tx)?;
    let kind = if after.is_on() {
        kinds::CRISIS_ON
    } else {
        kinds::CRISIS_OFF
    };
    let detail = json!({
        "reason": after.reason,
        "before": before.channels,
        "after": after.channels,
        "effect": effect,
    });
    let head = audit::append(tx, trail.event(now, kind, None, detail))?;
    for draft in &held {
        webhooks::enqueue_held(tx, draft, &after.reason, &head, now)?;
    }
    Ok(CrisisUpdate::Updated {
        state: after,
        effect,
    })
}

/// Disables the leaver, revokes their sessions and hands their open work to the successor;
/// or, when the successor cannot take something over, writes nothing.
pub(super) fn hand_over(
    tx: &Connection,
    request: &Handover,
    trail: &Trail,
) -> StorageResult<HandoverOutcome> {
    let (Some(leaver), Some(successor)) = (
        accounts::user_by_id(tx, request.leaver)?,
        accounts::user_by_id(tx, request.successor)?,
    ) else {
        return Ok(HandoverOutcome::Refused("there is no such user".to_owned()));
    };
    let leaving = leaver.person();
    let heir = successor.actor();
    let mut report = LeaveReport {
        leaver: leaver.username.clone(),
        successor: successor.username.clone(),
        ..LeaveReport::default()
    };
    // Decide everything first: a refusal must leave no trace.
    let mut changed = Vec::new();
    for draft in open_drafts(tx)? {
        match handover::hand_over(&draft, &leaving, &heir, &request.by, request.now) {
            Ok(Some(next)) => {
                for entry in &next.history[draft.history.len()..] {
                    match &entry.event {
                        HistoryEvent::HandedOver { step: None, .. } => {
                            report.drafts_handed_over += 1;
                        }
                        HistoryEvent::HandedOver { step: Some(_), .. } => report.places_moved += 1,
                        // The leaver's places only: a successor who became the owner
                        // also leaves the steps that waited for them.
                        HistoryEvent::LeftStep { person, .. } if person.id == leaving.id => {
                            report.places_dropped += 1;
                        }
                        _ => {}
                    }
                }
                changed.push(next);
            }
            Ok(None) => {}
            Err(problem) => {
                return Ok(HandoverOutcome::Blocked {
                    draft: Box::new(draft),
                    problem,
                });
            }
        }
    }
    let now = to_text(request.now);
    tx.execute(
        "UPDATE users SET disabled_at = ?1 WHERE id = ?2 AND disabled_at IS NULL",
        params![now, leaver.id.to_string()],
    )?;
    report.sessions_revoked = accounts::revoke_all_sessions(tx, &leaver.id.to_string(), &now)?;
    let mut seq = ChangeSeq::load(tx)?;
    for draft in &changed {
        save_draft(tx, draft, seq.next())?;
    }
    seq.store(tx)?;
    mark_directory_changed(tx)?;
    let detail = json!({
        "leaver": accounts::subject(&leaver),
        "successor": accounts::subject(&successor),
        "report": report,
    });
    audit::append(tx, trail.event(request.now, kinds::HANDOVER, None, detail))?;
    Ok(HandoverOutcome::Done(report))
}

fn client(tx: &Connection, id: ClientId) -> StorageResult<Option<(UserId, MutationId)>> {
    let row = tx
        .prepare_cached("SELECT user_id, last_mutation_id FROM clients WHERE id = ?1")?
        .query_row([id.to_string()], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
        })
        .optional()?;
    row.map(|(owner, last)| Ok((UserId(parse_uuid(&owner)?), MutationId(from_sql_int(last)?))))
        .transpose()
}

/// Registers the client to `user` if it is new; returns its last mutation id, or
/// [`StorageError::ClientTaken`] when it belongs to someone else.
pub(super) fn claim_client(
    tx: &Connection,
    id: ClientId,
    user: UserId,
    now: DateTime<Utc>,
) -> StorageResult<MutationId> {
    tx.prepare_cached(
        "INSERT INTO clients (id, user_id, last_mutation_id, created_at) VALUES (?1, ?2, 0, ?3) \
         ON CONFLICT (id) DO NOTHING",
    )?
    .execute(params![id.to_string(), user.to_string(), to_text(now)])?;
    match client(tx, id)? {
        Some((owner, last)) if owner == user => Ok(last),
        Some(_) => Err(StorageError::ClientTaken(id)),
        None => Err(StorageError::Corrupt(format!("client {id} vanished"))),
    }
}

/// The first result of mutation `id` of `client`, and the draft it was about (`None` for
/// results stored before migration 6 that were not conflicts).
fn stored_result(
    tx: &Connection,
    client: ClientId,
    id: MutationId,
) -> StorageResult<Option<(MutationResult, Option<DraftId>)>> {
    let row: Option<(String, Option<String>)> = tx
        .prepare_cached(
            "SELECT result_json, draft_id FROM mutation_results \
             WHERE client_id = ?1 AND mutation_id = ?2",
        )?
        .query_row(params![client.to_string(), to_sql_int(id.0)?], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()?;
    row.map(|(json, draft)| {
        let draft = draft.map(|d| parse_uuid(&d).map(DraftId)).transpose()?;
        Ok((serde_json::from_str(&json)?, draft))
    })
    .transpose()
}

/// Stores the first result of a mutation about `draft`: what was decided, never a copy of
/// the draft (a repeat reads the draft as it is then).
fn store_result(
    tx: &Connection,
    client: ClientId,
    result: &MutationResult,
    draft: DraftId,
) -> StorageResult<()> {
    let json = if result.draft.is_some() {
        serde_json::to_string(&MutationResult {
            draft: None,
            ..result.clone()
        })?
    } else {
        serde_json::to_string(result)?
    };
    tx.prepare_cached(
        "INSERT INTO mutation_results (client_id, mutation_id, result_json, draft_id) \
         VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        client.to_string(),
        to_sql_int(result.mutation_id.0)?,
        json,
        draft.to_string(),
    ])?;
    Ok(())
}

/// The drafts `ids` as they are now, for a push answer: once each, those `actor` may see,
/// while their JSON stays within [`MAX_PAGE_BYTES`] (the first always).
fn current_drafts(tx: &Connection, actor: &Actor, ids: &[DraftId]) -> StorageResult<Vec<Draft>> {
    let mut drafts = Vec::new();
    let mut bytes = 0;
    let mut seen = std::collections::HashSet::new();
    let mut stmt = tx.prepare_cached("SELECT draft_json FROM drafts WHERE id = ?1")?;
    for id in ids {
        if !seen.insert(*id) {
            continue;
        }
        let Some(json) = stmt
            .query_row([id.to_string()], |row| row.get::<_, String>(0))
            .optional()?
        else {
            continue;
        };
        if !drafts.is_empty() && bytes + json.len() > MAX_PAGE_BYTES {
            // The rest come with the changes feed.
            break;
        }
        let draft: Draft = serde_json::from_str(&json)?;
        // A repeat may come after the pusher lost the draft's team: say nothing of it.
        if actor.sees(&draft) {
            bytes += json.len();
            drafts.push(draft);
        }
    }
    Ok(drafts)
}

/// The event of an applied decision or comment: by the pusher as the transaction holds them,
/// about the version decided on and the SHA-256 of its text (`decided_on`, the draft before
/// the mutation), with what the draft became after it.
fn mutation_event(
    trail: &Trail,
    actor: &Actor,
    client: ClientId,
    mutation: &Mutation,
    decided_on: &Draft,
    next: &Draft,
    now: DateTime<Utc>,
) -> NewEvent {
    let trail = trail.clone().as_person(actor.person.clone(), None);
    let (kind, mut detail) = match &mutation.kind {
        MutationKind::Decide { decision } => {
            let (step, late_secs) = match next.history.last().map(|h| &h.event) {
                Some(HistoryEvent::Decided {
                    step, late_secs, ..
                }) => (step.clone(), *late_secs),
                _ => (None, None),
            };
            let overrides = decision.verdict == Verdict::Approve
                && decision
                    .override_reason
                    .as_deref()
                    .is_some_and(|r| !r.trim().is_empty());
            let kind = if overrides {
                kinds::OVERRIDE
            } else {
                kinds::DECISION
            };
            (
                kind,
                json!({
                    "decision_id": decision.id,
                    "verdict": decision.verdict,
                    "step": step,
                    "comment": decision.comment,
                    "override_reason": decision.override_reason,
                    "client_time": decision.client_time.map(to_text),
                    "late_secs": late_secs,
                }),
            )
        }
        MutationKind::Annotate { annotation } => (
            kinds::COMMENT,
            json!({
                "annotation_id": annotation.id,
                "body": annotation.body,
                "suggestion": annotation.suggestion,
                "target": annotation.target,
            }),
        ),
    };
    if let Some(object) = detail.as_object_mut() {
        object.insert("client_id".into(), json!(client));
        object.insert("mutation_id".into(), json!(mutation.mutation_id));
        object.insert("status".into(), json!(next.status));
    }
    trail.event(now, kind, Some(draft_ref(decided_on)), detail)
}

/// Applies a push batch; the caller's transaction makes it all-or-nothing.
pub(super) fn push(
    tx: &Connection,
    batch: &PushBatch,
    trail: &Trail,
) -> StorageResult<PushOutcome> {
    // The pusher as this transaction holds them: roles, teams and steps taken away (or the
    // account disabled) after the caller was authenticated count.
    let actor = match accounts::user_by_id(tx, batch.actor.person.id)? {
        Some(user) if user.is_active() => user.actor(),
        _ => {
            return Ok(PushOutcome {
                results: batch
                    .mutations
                    .iter()
                    .map(|m| push::account_disabled(m.mutation_id))
                    .collect(),
                drafts: vec![],
            });
        }
    };
    let client = batch.client_id;
    let first_last = claim_client(tx, client, actor.person.id, batch.now)?;
    // A declared skip (after a restore from a backup) moves `last` over ids this database
    // never processed, in the same transaction as the batch it came with.
    let mut last = push::skip_to(first_last, batch.skip.as_ref());
    let mut seq = ChangeSeq::load(tx)?;
    let mut results = Vec::with_capacity(batch.mutations.len());
    // The drafts the answer's conflicts are about, read once each at the end.
    let mut conflicted = Vec::new();
    for mutation in &batch.mutations {
        let id = mutation.mutation_id;
        let result = match push::classify(last, id) {
            Step::Duplicate => match stored_result(tx, client, id)? {
                Some((first, draft)) => {
                    if first.effective_status() == MutationStatus::Conflict {
                        conflicted.extend(draft);
                    }
                    MutationResult::duplicate_of(&first)
                }
                None => push::unrecorded_duplicate(id),
            },
            Step::Refuse(result) => *result,
            Step::Apply => {
                let draft = load_draft(tx, mutation.kind.draft_id())?;
                let (mut result, next) = push::evaluate(
                    &actor,
                    mutation,
                    draft.as_ref(),
                    batch.now,
                    batch.review.as_deref(),
                );
                if let (Some(next), Some(decided_on)) = (next, draft.as_ref()) {
                    save_draft(tx, &next, seq.next())?;
                    if let MutationKind::Annotate { annotation } = &mutation.kind {
                        annotations::keep(tx, annotation)?;
                    }
                    let event = mutation_event(
                        trail, &actor, client, mutation, decided_on, &next, batch.now,
                    );
                    // Where the log stands after this decision or comment, in the same
                    // transaction: what a receipt and a webhook delivery hand out.
                    let head = audit::append(tx, event)?;
                    // A decision's receipt, signed before the result is stored: a retried
                    // push answers this same receipt.
                    if let (Some(signer), MutationKind::Decide { decision }) =
                        (&batch.receipts, &mutation.kind)
                    {
                        let receipt = crate::receipts::receipt(
                            decision,
                            &actor.person,
                            decided_on,
                            &next,
                            batch.now,
                            &head,
                        );
                        result.receipt = Some(signer.sign(receipt));
                    }
                    // The final approval hands the draft to publishing: its deliveries
                    // commit with the decision, carrying the head that vouches for it.
                    if next.status == DraftStatus::Approved
                        && decided_on.status != DraftStatus::Approved
                    {
                        webhooks::enqueue_approved(tx, &next, &head, batch.now)?;
                    }
                }
                store_result(tx, client, &result, mutation.kind.draft_id())?;
                if result.status == MutationStatus::Conflict {
                    conflicted.push(mutation.kind.draft_id());
                }
                last = id;
                result
            }
        };
        results.push(result);
    }
    if last != first_last {
        tx.prepare_cached("UPDATE clients SET last_mutation_id = ?1 WHERE id = ?2")?
            .execute(params![to_sql_int(last.0)?, client.to_string()])?;
    }
    seq.store(tx)?;
    let drafts = current_drafts(tx, &actor, &conflicted)?;
    Ok(PushOutcome { results, drafts })
}

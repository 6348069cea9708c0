//! What every storage backend must do, written against the [`Storage`] trait alone.
//!
//! **Any backend runs these.** Each function takes a fresh, empty store (`&dyn Storage`),
//! builds the small organisation of [`Org::create`] through the trait, and panics with the
//! reason when the backend behaves differently. The SQLite backend calls each one from a
//! `#[tokio::test]` in `sqlite/tests.rs`; a PostgreSQL backend adds the same wrappers around
//! its own fresh database, and must pass them unchanged.
//!
//! Covered here: scope changes in the changes feed (a team or channel taken away turns into
//! removals at the next page, given back into arrivals), the directory's sequence number
//! (a page carries the directory exactly when it changed after the cursor), what turning
//! crisis mode on and off does to drafts, handovers (a refused one writes nothing), that
//! the feed and a push judge the account as their own snapshot or transaction holds it, not
//! as the caller looked it up a moment before, and the policy guard's settings (pack
//! versions, channel routing, the reply library, and the directory following them), and
//! sessions (every spent refresh token remembered, the grace of a lost refresh answer, the
//! absolute session lifetime, sign-out by refresh token) and the failed sign-ins the limiter
//! keeps across restarts, and what the drafts export reads (pages of drafts by id within
//! its filters, and the webhook deliveries that handed each to publishing), and the comments
//! kept beside the drafts' bounded histories (found by draft and id, marked when a suggestion
//! is accepted).

pub(crate) mod audit;

use super::{
    ChangesPage, ChangesRequest, CrisisUpdate, Handover, HandoverOutcome, NewSession, Refresh,
    RefreshOutcome, SessionTokens, SignInFailure, Storage, StorageError, StoredPack, TeamRecord,
    UserChange, UserRecord, UserUpdate,
};
use crate::auth::token::TokenHash;
use crate::fixtures::t0;
use chrono::{DateTime, Duration, Utc};
use countersign_core::channel::Routing;
use countersign_core::handover::HandoverProblem;
use countersign_core::wire::Reply;
use countersign_core::{
    Approval, Channel, ChannelAccess, ChannelId, CrisisChannels, CrisisState, DecisionId, Draft,
    DraftId, DraftStatus, HistoryEntry, HistoryEvent, Network, Refusal, Role, Sensitive, StepRule,
    TeamId, Urgency, UserId,
};
use std::collections::BTreeSet;
use uuid::Uuid;

/// Two teams, their channels and people, stored through the trait:
/// - Care: channels `care-x` and `care-bluesky`; reviewers `rui` and `rob`, authors `ana`
///   and `amy`;
/// - Brand: channel `brand-x`; reviewer `bea`, author `agency`.
pub(crate) struct Org {
    pub care: TeamId,
    pub care_x: Channel,
    pub care_bluesky: Channel,
    pub brand_x: Channel,
    pub users: Vec<UserRecord>,
}

impl Org {
    pub(crate) async fn create(storage: &dyn Storage) -> Self {
        let (care, brand) = (TeamId(Uuid::now_v7()), TeamId(Uuid::now_v7()));
        for (id, name) in [(care, "Care"), (brand, "Brand")] {
            storage
                .create_team(
                    TeamRecord {
                        id,
                        name: name.into(),
                        created_at: t0(),
                    },
                    crate::fixtures::trail(),
                )
                .await
                .unwrap();
        }
        let channel = |name: &str, network, account: &str, team| Channel {
            id: ChannelId(Uuid::now_v7()),
            name: name.into(),
            network,
            account: account.into(),
            team,
            policy: vec![StepRule::one("review")],
        };
        let care_x = channel("care-x", Network::X, "@care_example", care);
        let care_bluesky = channel("care-bluesky", Network::Bluesky, "@care.example", care);
        let brand_x = channel("brand-x", Network::X, "@brand_example", brand);
        for c in [&care_x, &care_bluesky, &brand_x] {
            storage
                .create_channel(c.clone(), t0(), crate::fixtures::trail())
                .await
                .unwrap();
        }
        let mut users = vec![];
        for (name, role, team) in [
            ("rui", Role::Reviewer, care),
            ("rob", Role::Reviewer, care),
            ("ana", Role::Author, care),
            ("amy", Role::Author, care),
            ("bea", Role::Reviewer, brand),
            ("agency", Role::Author, brand),
        ] {
            let user = UserRecord {
                id: UserId(Uuid::now_v7()),
                username: name.into(),
                display_name: name.to_uppercase(),
                password_hash: Sensitive::new("$argon2id$not-a-real-hash".into()),
                roles: vec![role],
                steps: if role == Role::Reviewer {
                    vec!["review".into()]
                } else {
                    vec![]
                },
                teams: vec![team],
                channels: ChannelAccess::AllOfTeams,
                created_at: t0(),
                disabled_at: None,
                totp_secret: None,
            };
            storage
                .create_user(user.clone(), crate::fixtures::trail())
                .await
                .unwrap();
            users.push(user);
        }
        Self {
            care,
            care_x,
            care_bluesky,
            brand_x,
            users,
        }
    }

    fn user(&self, name: &str) -> &UserRecord {
        self.users
            .iter()
            .find(|u| u.username == name)
            .unwrap_or_else(|| panic!("{name} is not in the organisation"))
    }

    /// A pending draft by `author` on `channel`, needing one review; not stored yet.
    pub(crate) fn draft(&self, author: &str, channel: &Channel) -> Draft {
        let author = self.user(author).person();
        let mut draft = crate::fixtures::draft(channel.team, &author);
        draft.network = channel.network;
        draft.channel = channel.account.clone();
        draft.channel_id = Some(channel.id);
        draft.body = format!("A draft for {}", channel.name);
        draft.history.push(HistoryEntry::on(
            &draft,
            &author,
            t0(),
            HistoryEvent::Created,
        ));
        draft
    }

    /// `draft`, approved by rui, due `due_in` from [`t0`] (`None`: not scheduled).
    fn approved(&self, mut draft: Draft, due_in: Option<Duration>) -> Draft {
        draft.status = DraftStatus::Approved;
        draft.scheduled_at = due_in.map(|d| t0() + d);
        draft.approvals.push(Approval {
            step: "review".into(),
            by: self.user("rui").person(),
            decision_id: DecisionId(Uuid::now_v7()),
            at: t0(),
        });
        draft
    }
}

/// One page of `username`'s feed after `after`, as they are stored now.
async fn page(storage: &dyn Storage, org: &Org, username: &str, after: u64) -> ChangesPage {
    let user = storage
        .user_by_id(org.user(username).id)
        .await
        .unwrap()
        .unwrap();
    storage
        .changes(ChangesRequest {
            user,
            client_id: None,
            after,
            limit: 100,
            now: t0(),
        })
        .await
        .unwrap()
}

/// Pages after `after` until there are no more: the pages.
async fn pages(storage: &dyn Storage, org: &Org, username: &str, after: u64) -> Vec<ChangesPage> {
    let mut all = vec![];
    let mut cursor = after;
    for _ in 0..20 {
        let next = page(storage, org, username, cursor).await;
        assert!(
            next.next_cursor >= cursor,
            "the cursor never goes back ({cursor} -> {})",
            next.next_cursor
        );
        cursor = next.next_cursor;
        let more = next.has_more;
        all.push(next);
        if !more {
            return all;
        }
    }
    panic!("the feed never ended");
}

fn cursor_after(pages: &[ChangesPage]) -> u64 {
    pages.last().map_or(0, |p| p.next_cursor)
}

/// The drafts arriving (`removed` false) or leaving (true) on these pages.
fn ids(pages: &[ChangesPage], removed: bool) -> BTreeSet<DraftId> {
    pages
        .iter()
        .flat_map(|p| &p.rows)
        .filter(|r| r.removed == removed)
        .map(|r| r.draft_id)
        .collect()
}

fn change(f: impl FnOnce(&mut UserRecord) + Send + 'static) -> UserChange {
    Box::new(move |current: &UserRecord| {
        let mut next = current.clone();
        f(&mut next);
        Ok(next)
    })
}

async fn update(storage: &dyn Storage, id: UserId, change: UserChange) {
    match storage
        .update_user(id, change, crate::fixtures::t0(), crate::fixtures::trail())
        .await
        .unwrap()
    {
        UserUpdate::Updated(_) => {}
        other => panic!("the change must be stored, got {other:?}"),
    }
}

/// A reviewer taken off a team gets a removal for each of its drafts at the next page, with
/// the directory; added back, the drafts arrive again (a withdrawn one as a removal). A
/// change that leaves what they see alone moves no draft.
pub(crate) async fn a_team_taken_away_turns_into_removals_and_given_back_into_arrivals(
    storage: &dyn Storage,
) {
    let org = Org::create(storage).await;
    let on_x = org.draft("ana", &org.care_x);
    let on_bluesky = org.draft("ana", &org.care_bluesky);
    let mut withdrawn = org.draft("ana", &org.care_x);
    withdrawn.status = DraftStatus::Withdrawn;
    let brand = org.draft("agency", &org.brand_x);
    storage
        .insert_drafts(
            vec![
                on_x.clone(),
                on_bluesky.clone(),
                withdrawn.clone(),
                brand.clone(),
            ],
            crate::fixtures::trail(),
        )
        .await
        .unwrap();
    let care_open = BTreeSet::from([on_x.id, on_bluesky.id]);

    let start = pages(storage, &org, "rui", 0).await;
    assert_eq!(
        ids(&start, false),
        care_open,
        "rui holds Care's open drafts"
    );
    let cursor = cursor_after(&start);

    let (rui, care) = (org.user("rui").id, org.care);
    update(
        storage,
        rui,
        change(move |u| u.teams.retain(|t| *t != care)),
    )
    .await;
    let off = pages(storage, &org, "rui", cursor).await;
    assert_eq!(
        ids(&off, true),
        BTreeSet::from([on_x.id, on_bluesky.id, withdrawn.id]),
        "every Care draft leaves rui's desktop"
    );
    assert!(ids(&off, false).is_empty(), "nothing arrives");
    let directory = off[0]
        .directory
        .as_ref()
        .expect("the page of the change carries the directory");
    assert!(
        directory.me.teams.is_empty() && directory.channels.is_empty(),
        "the directory says rui has no team now: {directory:?}"
    );
    let cursor = cursor_after(&off);
    let quiet = page(storage, &org, "rui", cursor).await;
    assert!(
        quiet.rows.is_empty() && quiet.directory.is_none() && !quiet.has_more,
        "the removals come once: {quiet:?}"
    );

    update(storage, rui, change(move |u| u.teams.push(care))).await;
    let back = pages(storage, &org, "rui", cursor).await;
    assert_eq!(
        ids(&back, false),
        care_open,
        "Care's open drafts arrive again"
    );
    assert_eq!(
        ids(&back, true),
        BTreeSet::from([withdrawn.id]),
        "a withdrawn draft arrives as a removal"
    );
    assert!(
        !ids(&back, false).contains(&brand.id),
        "Brand's drafts are not rui's"
    );
    let cursor = cursor_after(&back);

    update(storage, rui, change(|u| u.steps.push("legal".into()))).await;
    let steps_only = pages(storage, &org, "rui", cursor).await;
    assert!(
        steps_only.iter().all(|p| p.rows.is_empty()),
        "a new step changes what rui may do, not what she sees"
    );
    assert!(
        steps_only[0]
            .directory
            .as_ref()
            .is_some_and(|d| d.me.steps.contains(&"legal".to_owned())),
        "but her directory says so"
    );

    // Limited to one channel: the other channel's drafts leave.
    let only_x = org.care_x.id;
    update(
        storage,
        rui,
        change(move |u| u.channels = ChannelAccess::Only(vec![only_x])),
    )
    .await;
    let limited = pages(storage, &org, "rui", cursor_after(&steps_only)).await;
    assert_eq!(ids(&limited, true), BTreeSet::from([on_bluesky.id]));
    assert!(ids(&limited, false).is_empty());
}

/// Checks that the page after `cursor` carries the directory (`what` changed it) and the
/// page after that does not; returns the cursor past both.
async fn directory_follows(storage: &dyn Storage, org: &Org, cursor: u64, what: &str) -> u64 {
    let next = page(storage, org, "rui", cursor).await;
    assert!(
        next.directory.is_some(),
        "{what} must reach desktops with the next page"
    );
    assert!(
        next.next_cursor > cursor,
        "{what} takes a sequence number, so the cursor moves past it"
    );
    let quiet = page(storage, org, "rui", next.next_cursor).await;
    assert!(
        quiet.directory.is_none() && quiet.rows.is_empty(),
        "after {what}, a page with no change carries no directory: {quiet:?}"
    );
    next.next_cursor
}

/// A page carries the directory when (and only when) the organisation as desktops see it
/// changed after the cursor: accounts, channels, policies, crisis mode. Draft writes alone
/// do not bring it.
pub(crate) async fn the_directory_comes_with_the_first_page_after_it_changed(
    storage: &dyn Storage,
) {
    let org = Org::create(storage).await;
    let first = pages(storage, &org, "rui", 0).await;
    assert!(
        first[0].directory.is_some(),
        "a desktop starting from nothing gets the directory"
    );
    let mut cursor = cursor_after(&first);
    let quiet = page(storage, &org, "rui", cursor).await;
    assert!(quiet.directory.is_none(), "nothing changed: no directory");
    assert_eq!(quiet.next_cursor, cursor, "an empty page keeps the cursor");

    storage
        .insert_drafts(
            vec![org.draft("ana", &org.care_x)],
            crate::fixtures::trail(),
        )
        .await
        .unwrap();
    let drafts_only = page(storage, &org, "rui", cursor).await;
    assert_eq!(drafts_only.rows.len(), 1);
    assert!(
        drafts_only.directory.is_none(),
        "a new draft does not change the directory"
    );
    cursor = drafts_only.next_cursor;

    let policy = vec![StepRule::parse("review:2").unwrap()];
    assert!(
        storage
            .set_channel_policy(org.care_x.id, policy, t0(), crate::fixtures::trail())
            .await
            .unwrap()
    );
    cursor = directory_follows(storage, &org, cursor, "a channel's policy").await;

    let channel = Channel {
        id: ChannelId(Uuid::now_v7()),
        name: "care-mastodon".into(),
        network: Network::Mastodon,
        account: "@care".into(),
        team: org.care,
        policy: vec![StepRule::one("review")],
    };
    storage
        .create_channel(channel, t0(), crate::fixtures::trail())
        .await
        .unwrap();
    cursor = directory_follows(storage, &org, cursor, "a new channel").await;

    assert!(
        storage
            .disable_user(org.user("rob").id, t0(), crate::fixtures::trail())
            .await
            .unwrap()
    );
    cursor = directory_follows(storage, &org, cursor, "a disabled colleague").await;

    let by = org.user("bea").person();
    let declared = by.clone();
    let on = Box::new(move |s: &CrisisState| Ok(s.turned_on(None, "Fire", &declared, t0())));
    let updated = storage
        .set_crisis(on, by, t0(), crate::fixtures::trail())
        .await
        .unwrap();
    assert!(matches!(updated, CrisisUpdate::Updated { .. }));
    directory_follows(storage, &org, cursor, "crisis mode").await;

    let directory = page(storage, &org, "rui", 0)
        .await
        .directory
        .expect("from the start");
    let care_x = directory
        .channels
        .iter()
        .find(|c| c.channel.id == org.care_x.id)
        .unwrap();
    assert_eq!(
        care_x.channel.policy,
        vec![StepRule::parse("review:2").unwrap()]
    );
    assert!(care_x.in_crisis && directory.crisis.is_on());
    assert_eq!(
        directory.channels.len(),
        3,
        "care-x, care-bluesky, care-mastodon"
    );
}

/// Turning crisis mode on escalates waiting drafts on the covered channels and holds
/// approved ones due later; turning it off sends held drafts back to review (no approvals,
/// a new version) and restores the authors' urgency. A refused change writes nothing.
pub(crate) async fn crisis_mode_holds_escalates_and_sends_back_to_review(storage: &dyn Storage) {
    let org = Org::create(storage).await;
    let due_later = org.approved(org.draft("ana", &org.care_x), Some(Duration::hours(2)));
    let due_before = org.approved(org.draft("ana", &org.care_x), Some(Duration::hours(-2)));
    let waiting = org.draft("ana", &org.care_x);
    let elsewhere = org.draft("agency", &org.brand_x);
    storage
        .insert_drafts(
            vec![
                due_later.clone(),
                due_before.clone(),
                waiting.clone(),
                elsewhere.clone(),
            ],
            crate::fixtures::trail(),
        )
        .await
        .unwrap();
    let cursor = cursor_after(&pages(storage, &org, "rui", 0).await);
    let by = org.user("bea").person();
    let now: DateTime<Utc> = t0();

    let refused = storage
        .set_crisis(
            Box::new(|_| Err(Refusal::Invalid("no".into()))),
            by.clone(),
            now,
            crate::fixtures::trail(),
        )
        .await
        .unwrap();
    assert!(matches!(refused, CrisisUpdate::Refused(_)));
    assert!(!storage.crisis().await.unwrap().is_on());
    let nothing = page(storage, &org, "rui", cursor).await;
    assert!(
        nothing.rows.is_empty() && nothing.directory.is_none(),
        "a refused change writes nothing: {nothing:?}"
    );

    let care_x = org.care_x.id;
    let declared = by.clone();
    let on =
        Box::new(move |s: &CrisisState| Ok(s.turned_on(Some(&[care_x]), "Fire", &declared, now)));
    let CrisisUpdate::Updated { state, effect } = storage
        .set_crisis(on, by.clone(), now, crate::fixtures::trail())
        .await
        .unwrap()
    else {
        panic!("turning it on must be stored");
    };
    assert_eq!(state.channels, CrisisChannels::Only(vec![care_x]));
    assert_eq!(storage.crisis().await.unwrap(), state, "stored as answered");
    assert_eq!((effect.escalated, effect.held), (1, 1), "{effect:?}");
    let load = |id: DraftId| async move { storage.draft(id).await.unwrap().unwrap() };
    assert_eq!(load(due_later.id).await.status, DraftStatus::Held);
    assert_eq!(
        load(due_before.id).await.status,
        DraftStatus::Approved,
        "already due: gone out, left alone"
    );
    assert_eq!(load(waiting.id).await.urgency, Urgency::Crisis);
    assert_eq!(
        load(elsewhere.id).await,
        elsewhere,
        "brand-x is not covered"
    );
    let after_on = pages(storage, &org, "rui", cursor).await;
    assert_eq!(
        ids(&after_on, false),
        BTreeSet::from([due_later.id, waiting.id]),
        "the feed carries what crisis mode changed"
    );
    assert!(
        after_on[0]
            .directory
            .as_ref()
            .is_some_and(|d| d.crisis.is_on())
    );

    let off = Box::new(|_: &CrisisState| Ok(CrisisState::default()));
    let CrisisUpdate::Updated { effect, .. } = storage
        .set_crisis(off, by, now, crate::fixtures::trail())
        .await
        .unwrap()
    else {
        panic!("turning it off must be stored");
    };
    assert_eq!(
        (effect.returned_to_review, effect.deescalated),
        (1, 1),
        "{effect:?}"
    );
    let back = load(due_later.id).await;
    assert_eq!(back.status, DraftStatus::Pending, "never straight out");
    assert!(back.approvals.is_empty());
    assert_eq!(back.version, due_later.version + 1);
    assert_eq!(load(waiting.id).await.urgency, Urgency::Normal);
    assert!(!storage.crisis().await.unwrap().is_on());
}

/// A session for `user` whose access token is `access`.
async fn session(storage: &dyn Storage, user: UserId, access: &str) {
    storage
        .create_session(
            NewSession {
                id: Uuid::new_v4(),
                user_id: user,
                tokens: SessionTokens {
                    access_hash: TokenHash::of(access),
                    access_expires_at: t0() + Duration::hours(1),
                    refresh_hash: TokenHash::of(&format!("{access}-refresh")),
                    refresh_expires_at: t0() + Duration::days(30),
                },
                created_at: t0(),
            },
            crate::fixtures::trail(),
        )
        .await
        .unwrap();
}

/// A successor who cannot take over the leaver's drafts — no author role, another team —
/// is refused, and nothing is written: the leaver is still enabled with a live session,
/// the drafts are as they were, and no change reaches any feed.
pub(crate) async fn a_refused_handover_writes_nothing(storage: &dyn Storage) {
    let org = Org::create(storage).await;
    let draft = org.draft("ana", &org.care_x);
    storage
        .insert_drafts(vec![draft.clone()], crate::fixtures::trail())
        .await
        .unwrap();
    let ana = org.user("ana").id;
    session(storage, ana, "ana-access").await;
    let cursor = cursor_after(&pages(storage, &org, "rui", 0).await);

    for (successor, expected) in [
        ("rui", HandoverProblem::NotAnAuthor),
        ("agency", HandoverProblem::NotInTeam(org.care)),
    ] {
        let outcome = storage
            .hand_over(
                Handover {
                    leaver: ana,
                    successor: org.user(successor).id,
                    by: org.user("bea").person(),
                    now: t0(),
                },
                crate::fixtures::trail(),
            )
            .await
            .unwrap();
        match outcome {
            HandoverOutcome::Blocked { draft: at, problem } => {
                assert_eq!(problem, expected, "handing over to {successor}");
                assert_eq!(at.id, draft.id, "the draft that blocks it is named");
            }
            other => panic!("handing over to {successor} must be blocked, got {other:?}"),
        }
    }
    let missing = storage
        .hand_over(
            Handover {
                leaver: ana,
                successor: UserId(Uuid::now_v7()),
                by: org.user("bea").person(),
                now: t0(),
            },
            crate::fixtures::trail(),
        )
        .await
        .unwrap();
    assert!(
        matches!(missing, HandoverOutcome::Refused(_)),
        "{missing:?}"
    );

    let still = storage.user_by_id(ana).await.unwrap().unwrap();
    assert!(still.is_active(), "the leaver is not disabled");
    let live = storage
        .session_by_access(&TokenHash::of("ana-access"))
        .await
        .unwrap()
        .unwrap();
    assert!(
        live.revoked_at.is_none(),
        "the leaver's session is not revoked"
    );
    assert_eq!(
        storage.draft(draft.id).await.unwrap().unwrap(),
        draft,
        "the draft is as it was"
    );
    let nothing = page(storage, &org, "rui", cursor).await;
    assert!(
        nothing.rows.is_empty() && nothing.directory.is_none(),
        "no change reaches the feed: {nothing:?}"
    );
}

/// A handover to a qualified successor disables the leaver, revokes their sessions, makes
/// the successor the owner of their open drafts with the handover in the history, and
/// reaches the feed — all in one step.
pub(crate) async fn a_handover_disables_revokes_and_moves_the_drafts_at_once(
    storage: &dyn Storage,
) {
    let org = Org::create(storage).await;
    let open = org.draft("ana", &org.care_x);
    let done = org.approved(org.draft("ana", &org.care_bluesky), None);
    storage
        .insert_drafts(vec![open.clone(), done.clone()], crate::fixtures::trail())
        .await
        .unwrap();
    let (ana, amy) = (org.user("ana"), org.user("amy"));
    session(storage, ana.id, "ana-access").await;
    let cursor = cursor_after(&pages(storage, &org, "amy", 0).await);

    let outcome = storage
        .hand_over(
            Handover {
                leaver: ana.id,
                successor: amy.id,
                by: org.user("bea").person(),
                now: t0(),
            },
            crate::fixtures::trail(),
        )
        .await
        .unwrap();
    let HandoverOutcome::Done(report) = outcome else {
        panic!("the handover must be done, got {outcome:?}");
    };
    assert_eq!(
        (report.drafts_handed_over, report.sessions_revoked),
        (1, 1),
        "{report:?}"
    );
    assert!(
        !storage
            .user_by_id(ana.id)
            .await
            .unwrap()
            .unwrap()
            .is_active(),
        "the leaver is disabled"
    );
    let lookup = storage
        .session_by_access(&TokenHash::of("ana-access"))
        .await
        .unwrap()
        .unwrap();
    assert!(
        lookup.revoked_at.is_some(),
        "the leaver's session is revoked"
    );
    let handed = storage.draft(open.id).await.unwrap().unwrap();
    assert_eq!(handed.owner.as_ref().map(|p| p.id), Some(amy.id));
    assert!(matches!(
        handed.history.last().map(|h| &h.event),
        Some(HistoryEvent::HandedOver { from, to, step: None })
            if from.id == ana.id && to.id == amy.id
    ));
    assert_eq!(
        storage.draft(done.id).await.unwrap().unwrap(),
        done,
        "a final draft stays as it is"
    );
    let after = pages(storage, &org, "amy", cursor).await;
    assert_eq!(ids(&after, false), BTreeSet::from([open.id]));
}

/// The feed judges the account as its own snapshot holds it, not as the caller looked it
/// up a moment earlier: a scope change committed in between still turns into removals
/// (otherwise the page would end at the change without them, and no later page would send
/// them).
pub(crate) async fn the_feed_reads_the_account_in_its_own_snapshot(storage: &dyn Storage) {
    let org = Org::create(storage).await;
    let draft = org.draft("ana", &org.care_x);
    storage
        .insert_drafts(vec![draft.clone()], crate::fixtures::trail())
        .await
        .unwrap();
    let cursor = cursor_after(&pages(storage, &org, "rui", 0).await);
    let looked_up = storage
        .user_by_id(org.user("rui").id)
        .await
        .unwrap()
        .unwrap();

    let care = org.care;
    update(
        storage,
        looked_up.id,
        change(move |u| u.teams.retain(|t| *t != care)),
    )
    .await;
    let mut removed = BTreeSet::new();
    let mut after = cursor;
    for _ in 0..20 {
        let page = storage
            .changes(ChangesRequest {
                user: looked_up.clone(),
                client_id: None,
                after,
                limit: 100,
                now: t0(),
            })
            .await
            .unwrap();
        removed.extend(page.rows.iter().filter(|r| r.removed).map(|r| r.draft_id));
        after = page.next_cursor;
        if !page.has_more {
            break;
        }
    }
    assert_eq!(
        removed,
        BTreeSet::from([draft.id]),
        "the team was taken away before the page was read: its draft must leave"
    );
}

/// A push judges the pusher as the push's own transaction holds them: taken off the team,
/// or disabled, a moment before, their decisions do not apply.
pub(crate) async fn a_push_judges_the_account_as_stored_when_it_applies(storage: &dyn Storage) {
    let org = Org::create(storage).await;
    let draft = org.draft("ana", &org.care_x);
    storage
        .insert_drafts(vec![draft.clone()], crate::fixtures::trail())
        .await
        .unwrap();
    let rui = org.user("rui").actor();
    let rob = org.user("rob").actor();

    let care = org.care;
    update(
        storage,
        rui.person.id,
        change(move |u| u.teams.retain(|t| *t != care)),
    )
    .await;
    assert!(
        storage
            .disable_user(rob.person.id, t0(), crate::fixtures::trail())
            .await
            .unwrap()
    );

    for (who, actor) in [("taken off Care", rui), ("disabled", rob)] {
        let results = storage
            .push(
                super::PushBatch {
                    actor,
                    client_id: countersign_core::ClientId(Uuid::now_v7()),
                    mutations: vec![crate::fixtures::decide(
                        1,
                        draft.id,
                        1,
                        countersign_core::Verdict::Approve,
                    )],
                    now: t0(),
                    review: None,
                    receipts: None,
                    skip: None,
                },
                crate::fixtures::trail(),
            )
            .await
            .unwrap()
            .results;
        assert_eq!(
            results[0].status,
            countersign_core::MutationStatus::Forbidden,
            "a reviewer {who} must not approve: {results:?}"
        );
        assert_eq!(
            storage.draft(draft.id).await.unwrap().unwrap(),
            draft,
            "the draft is untouched by a reviewer {who}"
        );
    }
}

/// Policy packs count up from 1 and the latest is the one in force, exactly as set (the
/// source verbatim, who, when); earlier versions do not come back.
pub(crate) async fn policy_packs_count_up_and_the_latest_is_in_force(storage: &dyn Storage) {
    let org = Org::create(storage).await;
    assert_eq!(
        storage.policy_pack().await.unwrap(),
        None,
        "a new store has no pack: the built-in one applies"
    );
    assert_eq!(storage.policy_version().await.unwrap(), 0);
    let by = org.user("bea").person();
    let first = "# first\nformat = 1\nname = \"Acme\"\n".to_owned();
    let second = "format = 1\nname = \"Acme\"\n[organisation]\ncode_names = [\"Falcon\"]\n";
    let v1 = storage
        .set_policy_pack(first.clone(), by.clone(), t0(), crate::fixtures::trail())
        .await
        .unwrap();
    let later = t0() + Duration::minutes(5);
    let v2 = storage
        .set_policy_pack(
            second.to_owned(),
            by.clone(),
            later,
            crate::fixtures::trail(),
        )
        .await
        .unwrap();
    assert_eq!((v1, v2), (1, 2), "versions count up from 1");
    let stored = storage
        .policy_pack()
        .await
        .unwrap()
        .expect("a pack was set");
    assert_eq!(
        stored,
        StoredPack {
            version: 2,
            source: second.to_owned(),
            set_by: by.clone(),
            set_at: later,
        },
        "the latest pack is in force, as it was set"
    );
    let v3 = storage
        .set_policy_pack(first, by, later, crate::fixtures::trail())
        .await
        .unwrap();
    assert_eq!(v3, 3, "setting an earlier text again is a new version");
    assert_eq!(
        storage.policy_pack().await.unwrap().map(|p| p.version),
        Some(3)
    );
    assert_eq!(storage.policy_version().await.unwrap(), 3);
}

/// Every channel has a routing, empty until set; one set comes back as it was and leaves
/// the others alone; a channel that does not exist is reported, not created.
pub(crate) async fn routings_default_to_empty_and_round_trip(storage: &dyn Storage) {
    let org = Org::create(storage).await;
    let routings = storage.routings().await.unwrap();
    let ids: BTreeSet<ChannelId> = routings.iter().map(|(id, _)| *id).collect();
    assert_eq!(
        ids,
        BTreeSet::from([org.care_x.id, org.care_bluesky.id, org.brand_x.id]),
        "every channel is listed"
    );
    assert!(
        routings.iter().all(|(_, r)| *r == Routing::default()),
        "a new channel routes nothing: {routings:?}"
    );
    let routing = Routing {
        on_block: Some(StepRule::one("legal")),
        fast_lane: Some(vec![StepRule::parse("peer:2").unwrap()]),
        pre_approved_replies: true,
    };
    assert!(
        storage
            .set_channel_routing(
                org.care_x.id,
                routing.clone(),
                t0(),
                crate::fixtures::trail()
            )
            .await
            .unwrap()
    );
    let routings = storage.routings().await.unwrap();
    let of = |id: ChannelId| {
        routings
            .iter()
            .find(|(c, _)| *c == id)
            .map(|(_, r)| r.clone())
    };
    assert_eq!(of(org.care_x.id), Some(routing), "round trip");
    assert_eq!(of(org.brand_x.id), Some(Routing::default()), "others stay");
    assert!(
        !storage
            .set_channel_routing(
                ChannelId(Uuid::now_v7()),
                Routing::default(),
                t0(),
                crate::fixtures::trail()
            )
            .await
            .unwrap(),
        "no such channel"
    );
    assert_eq!(storage.routings().await.unwrap().len(), 3);
    assert!(
        storage
            .set_channel_policy(
                org.care_x.id,
                vec![StepRule::parse("review:2").unwrap()],
                t0(),
                crate::fixtures::trail()
            )
            .await
            .unwrap()
    );
    assert_eq!(
        storage
            .routings()
            .await
            .unwrap()
            .into_iter()
            .find(|(c, _)| *c == org.care_x.id)
            .map(|(_, r)| r.on_block),
        Some(Some(StepRule::one("legal"))),
        "changing a channel's policy keeps its routing"
    );
}

/// Replies are listed by name; a second one with a taken name is refused and changes
/// nothing; removing by name reports whether there was one.
pub(crate) async fn replies_are_added_once_and_removed_by_name(storage: &dyn Storage) {
    let reply = |name: &str, text: &str| Reply {
        id: Uuid::now_v7(),
        name: name.into(),
        text: text.into(),
        created_at: t0(),
    };
    assert!(storage.replies().await.unwrap().is_empty());
    let late = reply(
        "late-delivery",
        "Sorry, {first_name}: DM us your order number.",
    );
    let thanks = reply("thanks", "Thank you, {first_name}!");
    storage
        .add_reply(thanks.clone(), crate::fixtures::trail())
        .await
        .unwrap();
    storage
        .add_reply(late.clone(), crate::fixtures::trail())
        .await
        .unwrap();
    assert_eq!(
        storage.replies().await.unwrap(),
        [late.clone(), thanks.clone()],
        "by name, as added"
    );
    let taken = storage
        .add_reply(
            reply("thanks", "Cheers, {first_name}."),
            crate::fixtures::trail(),
        )
        .await;
    assert!(
        matches!(taken, Err(StorageError::AlreadyExists(_))),
        "a taken name is refused: {taken:?}"
    );
    assert_eq!(storage.replies().await.unwrap(), [late.clone(), thanks]);
    assert!(
        storage
            .remove_reply(
                "thanks".into(),
                crate::fixtures::t0(),
                crate::fixtures::trail()
            )
            .await
            .unwrap()
    );
    assert!(
        !storage
            .remove_reply(
                "thanks".into(),
                crate::fixtures::t0(),
                crate::fixtures::trail()
            )
            .await
            .unwrap(),
        "gone already"
    );
    assert!(
        !storage
            .remove_reply(
                "nothing".into(),
                crate::fixtures::t0(),
                crate::fixtures::trail()
            )
            .await
            .unwrap()
    );
    assert_eq!(storage.replies().await.unwrap(), [late]);
}

/// Setting a pack or a channel's routing reaches desktops with the next page's directory
/// (a pack with its version); setting the routing of no channel does not.
pub(crate) async fn a_new_pack_or_routing_moves_the_directory(storage: &dyn Storage) {
    let org = Org::create(storage).await;
    let first = pages(storage, &org, "rui", 0).await;
    let directory = first[0].directory.as_ref().expect("the first page has it");
    assert_eq!(directory.policy_version, 0, "no pack yet");
    let mut cursor = cursor_after(&first);

    let by = org.user("bea").person();
    let source = "format = 1\nname = \"Acme\"\n".to_owned();
    storage
        .set_policy_pack(source.clone(), by.clone(), t0(), crate::fixtures::trail())
        .await
        .unwrap();
    let after_pack = page(storage, &org, "rui", cursor).await;
    assert_eq!(
        after_pack.directory.as_ref().map(|d| d.policy_version),
        Some(1),
        "a new pack comes with the next page, with its version"
    );
    cursor = directory_follows(storage, &org, cursor, "a policy pack").await;

    let routing = Routing {
        on_block: Some(StepRule::one("legal")),
        ..Routing::default()
    };
    assert!(
        storage
            .set_channel_routing(
                org.care_x.id,
                routing.clone(),
                t0(),
                crate::fixtures::trail()
            )
            .await
            .unwrap()
    );
    let after_routing = page(storage, &org, "rui", cursor).await;
    let care_x = after_routing
        .directory
        .as_ref()
        .and_then(|d| d.channels.iter().find(|c| c.channel.id == org.care_x.id))
        .map(|c| c.routing.clone());
    assert_eq!(care_x, Some(routing), "the directory names the new routing");
    cursor = directory_follows(storage, &org, cursor, "a channel's routing").await;

    storage
        .set_channel_routing(
            ChannelId(Uuid::now_v7()),
            Routing::default(),
            t0(),
            crate::fixtures::trail(),
        )
        .await
        .unwrap();
    let quiet = page(storage, &org, "rui", cursor).await;
    assert!(
        quiet.directory.is_none(),
        "routing no channel changes nothing desktops hold"
    );

    storage
        .set_policy_pack(source, by, t0(), crate::fixtures::trail())
        .await
        .unwrap();
    let again = page(storage, &org, "rui", cursor).await;
    assert_eq!(
        again.directory.map(|d| d.policy_version),
        Some(2),
        "the same text set again is a new version desktops fetch"
    );
}

/// Tokens `name-access` and `name-refresh` expiring an hour and 30 days after `at`.
fn tokens(name: &str, at: DateTime<Utc>) -> SessionTokens {
    SessionTokens {
        access_hash: TokenHash::of(&format!("{name}-access")),
        access_expires_at: at + Duration::hours(1),
        refresh_hash: TokenHash::of(&format!("{name}-refresh")),
        refresh_expires_at: at + Duration::days(30),
    }
}

/// Presenting refresh token `presented` at `now`, to rotate to the pair named `next` (its
/// salt is `salt-<next>`), with a grace of `grace_secs` and a 90-day session lifetime.
fn refresh(presented: &str, next: &str, now: DateTime<Utc>, grace_secs: i64) -> Refresh {
    Refresh {
        presented: TokenHash::of(&format!("{presented}-refresh")),
        next: tokens(next, now),
        next_salt: format!("salt-{next}"),
        now,
        grace_until: now + Duration::seconds(grace_secs),
        session_lifetime: Duration::days(90),
        two_factor_roles: vec![],
    }
}

/// A fresh session of `user` whose first pair is named `first`, started at `t0()`.
async fn session_named(storage: &dyn Storage, user: UserId, first: &str) -> Uuid {
    let id = Uuid::new_v4();
    storage
        .create_session(
            NewSession {
                id,
                user_id: user,
                tokens: tokens(first, t0()),
                created_at: t0(),
            },
            crate::fixtures::trail(),
        )
        .await
        .unwrap();
    id
}

/// Whether the session whose current access token is `name-access` is revoked.
async fn revoked(storage: &dyn Storage, name: &str) -> bool {
    storage
        .session_by_access(&TokenHash::of(&format!("{name}-access")))
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no session has the access token {name}"))
        .revoked_at
        .is_some()
}

/// A short name for an outcome, for assertions.
fn outcome(outcome: &RefreshOutcome) -> &'static str {
    match outcome {
        RefreshOutcome::Rotated { .. } => "rotated",
        RefreshOutcome::Repeated { .. } => "repeated",
        RefreshOutcome::Reused => "reused",
        RefreshOutcome::Revoked => "revoked",
        RefreshOutcome::Expired => "expired",
        RefreshOutcome::EnrolmentRequired(_) => "enrolment required",
        RefreshOutcome::Unknown => "unknown",
    }
}

/// Every token a session spent is remembered until it would have expired: presenting the
/// first of four (long after its grace) revokes the session; once it would have expired it
/// is forgotten (unknown), and a token never issued is unknown.
pub(crate) async fn every_spent_refresh_token_revokes_until_it_would_have_expired(
    storage: &dyn Storage,
) {
    let org = Org::create(storage).await;
    let rui = org.user("rui").id;
    session_named(storage, rui, "p0").await;
    let mut now = t0();
    for i in 1..=4 {
        now += Duration::hours(1);
        let got = storage
            .refresh_session(
                refresh(&format!("p{}", i - 1), &format!("p{i}"), now, 30),
                crate::fixtures::trail(),
            )
            .await
            .unwrap();
        assert_eq!(outcome(&got), "rotated", "rotation {i}");
        if let RefreshOutcome::Rotated {
            user,
            access_expires_at,
        } = got
        {
            assert_eq!(user.id, rui, "the session's user");
            assert_eq!(access_expires_at, now + Duration::hours(1), "as asked");
        }
    }
    let replay = storage
        .refresh_session(
            refresh("p0", "x", now + Duration::minutes(5), 30),
            crate::fixtures::trail(),
        )
        .await
        .unwrap();
    assert_eq!(outcome(&replay), "reused", "the first spent token of four");
    assert!(
        revoked(storage, "p4").await,
        "the replay revoked the session"
    );
    let current = storage
        .refresh_session(
            refresh("p4", "y", now + Duration::minutes(6), 30),
            crate::fixtures::trail(),
        )
        .await
        .unwrap();
    assert_eq!(
        outcome(&current),
        "revoked",
        "its current token is dead too"
    );

    // A second session: its first token would have expired 30 days after t0().
    let bob = org.user("rob").id;
    session_named(storage, bob, "q0").await;
    let rotated = storage
        .refresh_session(
            refresh("q0", "q1", t0() + Duration::days(1), 30),
            crate::fixtures::trail(),
        )
        .await
        .unwrap();
    assert_eq!(outcome(&rotated), "rotated");
    let late = storage
        .refresh_session(
            refresh("q0", "z", t0() + Duration::days(30), 30),
            crate::fixtures::trail(),
        )
        .await
        .unwrap();
    assert_eq!(
        outcome(&late),
        "unknown",
        "a spent token past its own expiry is forgotten"
    );
    assert!(!revoked(storage, "q1").await, "and revokes nothing");
    let never = storage
        .refresh_session(
            refresh("never-issued", "w", t0(), 30),
            crate::fixtures::trail(),
        )
        .await
        .unwrap();
    assert_eq!(outcome(&never), "unknown");
}

/// The token spent last, presented again within its grace while the pair it got is still
/// current, is answered with that pair's salt and changes nothing; past the grace, or once
/// that pair was refreshed, presenting it revokes the session.
pub(crate) async fn a_retry_within_the_grace_is_repeated_only_while_its_pair_is_current(
    storage: &dyn Storage,
) {
    let org = Org::create(storage).await;
    let rui = org.user("rui").id;
    session_named(storage, rui, "a0").await;
    let spent_at = t0() + Duration::hours(1);
    storage
        .refresh_session(refresh("a0", "a1", spent_at, 30), crate::fixtures::trail())
        .await
        .unwrap();
    let retry = storage
        .refresh_session(
            refresh("a0", "other", spent_at + Duration::seconds(29), 30),
            crate::fixtures::trail(),
        )
        .await
        .unwrap();
    match retry {
        RefreshOutcome::Repeated {
            user,
            salt,
            access_expires_at,
        } => {
            assert_eq!(user.id, rui);
            assert_eq!(
                salt, "salt-a1",
                "the salt of the pair the token was spent for"
            );
            assert_eq!(
                access_expires_at,
                spent_at + Duration::hours(1),
                "the current access token's own expiry"
            );
        }
        other => panic!("a retry within the grace must be repeated, not {other:?}"),
    }
    assert!(!revoked(storage, "a1").await, "a retry revokes nothing");
    let again = storage
        .refresh_session(
            refresh("a1", "a2", spent_at + Duration::seconds(40), 30),
            crate::fixtures::trail(),
        )
        .await
        .unwrap();
    assert_eq!(
        outcome(&again),
        "rotated",
        "the repeated pair was never replaced"
    );

    // a1 spent at +40 s for a2, which is now refreshed in turn: a1 within its grace is
    // no longer a lost answer.
    storage
        .refresh_session(
            refresh("a2", "a3", spent_at + Duration::seconds(50), 30),
            crate::fixtures::trail(),
        )
        .await
        .unwrap();
    let stale = storage
        .refresh_session(
            refresh("a1", "b", spent_at + Duration::seconds(55), 30),
            crate::fixtures::trail(),
        )
        .await
        .unwrap();
    assert_eq!(outcome(&stale), "reused", "its pair moved on: a replay");
    assert!(revoked(storage, "a3").await);

    // Past the grace.
    let rob = org.user("rob").id;
    session_named(storage, rob, "c0").await;
    storage
        .refresh_session(refresh("c0", "c1", spent_at, 30), crate::fixtures::trail())
        .await
        .unwrap();
    let late = storage
        .refresh_session(
            refresh("c0", "d", spent_at + Duration::seconds(30), 30),
            crate::fixtures::trail(),
        )
        .await
        .unwrap();
    assert_eq!(outcome(&late), "reused", "the grace ends at grace_until");
    assert!(revoked(storage, "c1").await);
}

/// A session ends at its start plus its lifetime, however often it was refreshed: the
/// tokens a refresh hands out never outlive it, and a refresh after it is expired.
pub(crate) async fn a_session_past_its_lifetime_is_expired_and_its_tokens_never_outlive_it(
    storage: &dyn Storage,
) {
    let org = Org::create(storage).await;
    session_named(storage, org.user("rui").id, "e0").await;
    let short = |presented: &str, next: &str, now| Refresh {
        session_lifetime: Duration::days(2),
        ..refresh(presented, next, now, 30)
    };
    let near_end = t0() + Duration::days(2) - Duration::minutes(10);
    match storage
        .refresh_session(short("e0", "e1", near_end), crate::fixtures::trail())
        .await
        .unwrap()
    {
        RefreshOutcome::Rotated {
            access_expires_at, ..
        } => assert_eq!(
            access_expires_at,
            t0() + Duration::days(2),
            "the access token is cut at the session's end"
        ),
        other => panic!("before its end the session refreshes, not {other:?}"),
    }
    let after_end = storage
        .refresh_session(
            short("e1", "e2", t0() + Duration::days(2)),
            crate::fixtures::trail(),
        )
        .await
        .unwrap();
    assert_eq!(
        outcome(&after_end),
        "expired",
        "at its end the session is over"
    );
    let retry = storage
        .refresh_session(
            short("e0", "e3", t0() + Duration::days(2)),
            crate::fixtures::trail(),
        )
        .await
        .unwrap();
    assert_ne!(
        outcome(&retry),
        "repeated",
        "not even a retry within the grace outlives the session"
    );
}

/// Sign-out with a refresh token finds the session by its current token or one it spent;
/// an unknown token revokes nothing.
pub(crate) async fn revoking_by_refresh_token_finds_current_and_spent_tokens(
    storage: &dyn Storage,
) {
    let org = Org::create(storage).await;
    session_named(storage, org.user("rui").id, "r0").await;
    session_named(storage, org.user("rob").id, "s0").await;
    session_named(storage, org.user("bea").id, "u0").await;
    assert!(
        storage
            .revoke_by_refresh(&TokenHash::of("r0-refresh"), t0(), crate::fixtures::trail())
            .await
            .unwrap(),
        "the current refresh token"
    );
    assert!(revoked(storage, "r0").await);
    storage
        .refresh_session(
            refresh("s0", "s1", t0() + Duration::hours(1), 30),
            crate::fixtures::trail(),
        )
        .await
        .unwrap();
    assert!(
        storage
            .revoke_by_refresh(
                &TokenHash::of("s0-refresh"),
                t0() + Duration::hours(2),
                crate::fixtures::trail()
            )
            .await
            .unwrap(),
        "a spent refresh token"
    );
    assert!(revoked(storage, "s1").await);
    assert!(
        !storage
            .revoke_by_refresh(
                &TokenHash::of("never-issued"),
                t0(),
                crate::fixtures::trail()
            )
            .await
            .unwrap()
    );
    assert!(!revoked(storage, "u0").await, "nobody else is signed out");
}

/// Failed sign-ins are kept per key, read back oldest first from a time on (the newest
/// `limit` of them), cleared per key, and forgotten once older than the window.
pub(crate) async fn sign_in_failures_are_kept_read_back_cleared_and_forgotten(
    storage: &dyn Storage,
) {
    let (a, b) = ("account-key".to_owned(), "source-key".to_owned());
    let at = |secs: i64| t0() + Duration::seconds(secs);
    for secs in [0, 10, 20] {
        storage
            .record_sign_in_failure(
                vec![a.clone(), b.clone()],
                at(secs),
                at(-300),
                crate::fixtures::trail(),
                serde_json::json!({}),
            )
            .await
            .unwrap();
    }
    let all = storage.sign_in_failures(at(-300), 100).await.unwrap();
    assert_eq!(all.len(), 6, "one row per key per failure: {all:?}");
    assert!(
        all.windows(2).all(|w| w[0].at <= w[1].at),
        "oldest first: {all:?}"
    );
    let newest = storage.sign_in_failures(at(-300), 2).await.unwrap();
    assert_eq!(
        newest.iter().map(|f| f.at).collect::<Vec<_>>(),
        vec![at(20), at(20)],
        "the limit keeps the newest"
    );
    let since = storage.sign_in_failures(at(10), 100).await.unwrap();
    assert_eq!(since.len(), 4, "from 10 s on: {since:?}");

    storage.clear_sign_in_failures(a.clone()).await.unwrap();
    let left = storage.sign_in_failures(at(-300), 100).await.unwrap();
    assert!(
        left.iter().all(|f| f.key == b) && left.len() == 3,
        "only the cleared key's failures went: {left:?}"
    );

    // A failure at 400 s forgets everything from before 100 s.
    storage
        .record_sign_in_failure(
            vec![a.clone()],
            at(400),
            at(100),
            crate::fixtures::trail(),
            serde_json::json!({}),
        )
        .await
        .unwrap();
    let kept = storage.sign_in_failures(at(-300), 100).await.unwrap();
    assert_eq!(
        kept,
        vec![SignInFailure {
            key: a,
            at: at(400)
        }],
        "the old failures are forgotten"
    );
}

/// A stored push result never copies the draft: a conflict's answer carries the draft once
/// however many mutations meet it, a repeat of the push reads it as it is *now*, and a
/// pusher who lost the draft's team since gets the repeat without the draft.
pub(crate) async fn a_push_keeps_no_copy_of_the_draft_and_a_repeat_reads_it_as_it_is_now(
    storage: &dyn Storage,
) {
    use countersign_core::{MutationId, MutationKind, MutationStatus};
    let org = Org::create(storage).await;
    let mut draft = org.draft("ana", &org.care_x);
    draft.status = DraftStatus::Withdrawn;
    storage
        .insert_drafts(vec![draft.clone()], crate::fixtures::trail())
        .await
        .unwrap();
    let rui = org.user("rui").actor();
    let client = countersign_core::ClientId(Uuid::now_v7());
    let comment = |n: u64| countersign_core::Mutation {
        mutation_id: MutationId(n),
        kind: MutationKind::Annotate {
            annotation: countersign_core::Annotation {
                id: countersign_core::AnnotationId(Uuid::now_v7()),
                draft_id: draft.id,
                draft_version: 1,
                body: format!("comment {n}"),
                suggestion: None,
                target: None,
            },
        },
    };
    let batch = |actor: countersign_core::Actor| super::PushBatch {
        actor,
        client_id: client,
        mutations: (1..=3).map(comment).collect(),
        now: t0(),
        review: None,
        receipts: None,
        skip: None,
    };
    let first = storage
        .push(batch(rui.clone()), crate::fixtures::trail())
        .await
        .unwrap();
    assert!(
        first
            .results
            .iter()
            .all(|r| r.status == MutationStatus::Conflict && r.draft.is_none()),
        "conflicts without the draft: {:?}",
        first.results
    );
    assert_eq!(first.drafts, vec![draft.clone()], "the draft once");

    // The draft moves on; a repeat of the same push reads it as it is now.
    let moved = match storage
        .update_draft(
            draft.id,
            Box::new(|d| {
                let mut next = d.clone();
                next.body = "changed since".into();
                Ok(next)
            }),
            crate::fixtures::trail(),
        )
        .await
        .unwrap()
    {
        super::DraftUpdate::Updated(d) => *d,
        other => panic!("the change must store: {other:?}"),
    };
    let again = storage
        .push(batch(rui.clone()), crate::fixtures::trail())
        .await
        .unwrap();
    assert!(
        again
            .results
            .iter()
            .all(|r| r.status == MutationStatus::Duplicate
                && r.first_status == Some(MutationStatus::Conflict)
                && r.draft.is_none()),
        "repeats of the conflicts: {:?}",
        again.results
    );
    assert_eq!(again.drafts, vec![moved], "the draft as it is now, once");

    // Taken off the team: the repeat still answers, but says nothing of the draft.
    let rui_id = org.user("rui").id;
    let care = org.care;
    storage
        .update_user(
            rui_id,
            Box::new(move |u| {
                let mut next = u.clone();
                next.teams.retain(|t| *t != care);
                Ok(next)
            }),
            crate::fixtures::t0(),
            crate::fixtures::trail(),
        )
        .await
        .unwrap();
    let mut outsider = rui;
    outsider.teams.clear();
    let hidden = storage
        .push(batch(outsider), crate::fixtures::trail())
        .await
        .unwrap();
    assert_eq!(hidden.results.len(), 3);
    assert!(
        hidden.drafts.is_empty(),
        "a draft the pusher may no longer see is left out: {:?}",
        hidden.drafts
    );
}

/// A page of the changes feed stops once its drafts' JSON would pass
/// [`countersign_core::limits::MAX_PAGE_BYTES`], well below its `limit`, with `has_more`;
/// the next pages carry the rest, each draft once; a single draft over the budget comes
/// alone.
pub(crate) async fn the_feed_keeps_each_page_within_its_byte_budget(storage: &dyn Storage) {
    use countersign_core::limits::MAX_PAGE_BYTES;
    let org = Org::create(storage).await;
    let mut drafts = vec![];
    for n in 0..12 {
        let mut draft = org.draft("ana", &org.care_x);
        draft.id = DraftId(Uuid::now_v7());
        // Stored drafts are never checked against the caps: this one could come from an
        // older server.
        draft.body = format!("{n} {}", "b".repeat(MAX_PAGE_BYTES / 5));
        drafts.push(draft);
    }
    let mut huge = org.draft("ana", &org.care_x);
    huge.id = DraftId(Uuid::now_v7());
    huge.body = "h".repeat(MAX_PAGE_BYTES + 1);
    drafts.push(huge);
    storage
        .insert_drafts(drafts.clone(), crate::fixtures::trail())
        .await
        .unwrap();

    let all = pages(storage, &org, "rui", 0).await;
    let mut seen = vec![];
    for (i, p) in all.iter().enumerate() {
        let bytes: usize = p.rows.iter().map(|r| r.draft_json.len()).sum();
        assert!(!p.rows.is_empty(), "page {i} is empty");
        assert!(
            bytes <= MAX_PAGE_BYTES || p.rows.len() == 1,
            "page {i} holds {bytes} bytes in {} rows",
            p.rows.len()
        );
        assert_eq!(p.has_more, i + 1 < all.len(), "has_more on page {i}");
        seen.extend(p.rows.iter().map(|r| r.draft_id));
    }
    assert!(
        all[0].rows.len() < 100,
        "the budget, not the limit, ended the first page"
    );
    assert_eq!(
        seen,
        drafts.iter().map(|d| d.id).collect::<Vec<_>>(),
        "every draft once, in order"
    );
}

/// Whatever writes a draft, the stored history stays within its cap
/// ([`countersign_core::limits::trim_history`]) and still names everyone who edited it.
pub(crate) async fn every_stored_draft_keeps_its_history_within_its_cap(storage: &dyn Storage) {
    use countersign_core::limits::MAX_HISTORY_ENTRIES;
    let org = Org::create(storage).await;
    let draft = org.draft("ana", &org.care_x);
    storage
        .insert_drafts(vec![draft.clone()], crate::fixtures::trail())
        .await
        .unwrap();
    let amy = org.user("amy").person();
    let rob = org.user("rob").person();
    let updated = match storage
        .update_draft(
            draft.id,
            Box::new(move |d| {
                let mut next = d.clone();
                next.history.push(HistoryEntry::on(
                    d,
                    &amy,
                    t0(),
                    HistoryEvent::Edited {
                        previous_body: "first".into(),
                        accepted_suggestion: None,
                    },
                ));
                for _ in 0..500 {
                    next.history
                        .push(HistoryEntry::on(d, &rob, t0(), HistoryEvent::Deescalated));
                }
                Ok(next)
            }),
            crate::fixtures::trail(),
        )
        .await
        .unwrap()
    {
        super::DraftUpdate::Updated(d) => *d,
        other => panic!("the change must store: {other:?}"),
    };
    let stored = storage.draft(draft.id).await.unwrap().unwrap();
    assert_eq!(
        stored, updated,
        "the caller gets the draft exactly as stored"
    );
    assert_eq!(stored.history.len(), MAX_HISTORY_ENTRIES);
    assert!(
        stored.writers().contains(&org.user("amy").id),
        "an editor folded into the summary still counts as one"
    );
}

pub(crate) async fn drafts_pages_walk_every_draft_once_within_the_filters(storage: &dyn Storage) {
    use super::DraftsPage;
    let org = Org::create(storage).await;
    // Seven drafts a minute apart: care-x, care-bluesky and brand-x in turn; every third
    // one withdrawn.
    let mut written = vec![];
    for i in 0..7_i64 {
        let channel = [&org.care_x, &org.care_bluesky, &org.brand_x][i as usize % 3];
        let author = if channel.team == org.care {
            "ana"
        } else {
            "agency"
        };
        let mut draft = org.draft(author, channel);
        draft.created_at = t0() + Duration::minutes(i);
        if i % 3 == 0 {
            draft.status = DraftStatus::Withdrawn;
        }
        written.push(draft);
    }
    storage
        .insert_drafts(written.clone(), crate::trail::Trail::server())
        .await
        .unwrap();
    let walk = |filter: DraftsPage| async move {
        let mut seen = vec![];
        let mut after = None;
        loop {
            let page = storage
                .drafts_page(DraftsPage {
                    after,
                    limit: 2,
                    ..filter.clone()
                })
                .await
                .unwrap();
            assert!(page.len() <= 2, "a page holds at most its limit");
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            seen.extend(page);
        }
        seen
    };
    let mut by_id = written.clone();
    by_id.sort_by_key(|d| d.id);
    assert_eq!(
        walk(DraftsPage::default()).await,
        by_id,
        "pages of two walk every draft once, in id order, exactly as stored"
    );
    let ids = |drafts: Vec<Draft>| drafts.into_iter().map(|d| d.id).collect::<BTreeSet<_>>();
    let expect = |keep: &dyn Fn(&Draft) -> bool| {
        written
            .iter()
            .filter(|d| keep(d))
            .map(|d| d.id)
            .collect::<BTreeSet<_>>()
    };
    let window = DraftsPage {
        created_from: Some(t0() + Duration::minutes(2)),
        created_before: Some(t0() + Duration::minutes(5)),
        ..DraftsPage::default()
    };
    assert_eq!(
        ids(walk(window).await),
        expect(&|d| d.created_at >= t0() + Duration::minutes(2)
            && d.created_at < t0() + Duration::minutes(5)),
        "from is inclusive, before exclusive"
    );
    assert_eq!(
        ids(walk(DraftsPage {
            team: Some(org.care),
            status: Some(DraftStatus::Pending),
            ..DraftsPage::default()
        })
        .await),
        expect(&|d| d.team == org.care && d.status == DraftStatus::Pending),
        "team and status filters combine"
    );
    assert_eq!(
        ids(walk(DraftsPage {
            channel: Some(org.brand_x.id),
            ..DraftsPage::default()
        })
        .await),
        expect(&|d| d.channel_id == Some(org.brand_x.id)),
        "the channel filter keeps that channel's drafts"
    );
}

/// Webhooks and their queue: a final approval enqueues one delivery per live webhook
/// covering the draft's channel, in the push's own transaction, with the payload fixed then
/// (the approved draft, its approvers and the decision's audit head); an approval that
/// leaves steps open enqueues nothing. Attempts are kept in order, a retry waits for its
/// time, and every add, removal and attempt is in the audit log.
pub(crate) async fn final_approvals_enqueue_deliveries_and_every_attempt_is_kept(
    storage: &dyn Storage,
) {
    use crate::trail::Trail;
    use crate::webhooks::{Attempt, AttemptRecord, DeliveryQuery, DeliveryStatus, Next};
    use countersign_audit::kinds;
    use countersign_core::{MutationStatus, Quorum, RequiredStep, Verdict};

    let org = Org::create(storage).await;
    let hook = webhook_for;
    let (every, care, brand, gone) = (
        hook(None),
        hook(Some(org.care_x.id)),
        hook(Some(org.brand_x.id)),
        hook(Some(org.care_x.id)),
    );
    for h in [&every, &care, &brand, &gone] {
        storage
            .add_webhook(h.clone(), Trail::console())
            .await
            .unwrap();
    }
    assert!(
        storage
            .remove_webhook(gone.id, t0(), Trail::console())
            .await
            .unwrap()
    );
    assert!(
        !storage
            .remove_webhook(gone.id, t0(), Trail::console())
            .await
            .unwrap(),
        "a removed webhook is not removed twice"
    );
    let listed = storage.webhooks().await.unwrap();
    assert_eq!(listed.len(), 4, "removed ones are still listed");
    assert_eq!(
        storage
            .webhook(gone.id)
            .await
            .unwrap()
            .and_then(|w| w.removed_at),
        Some(t0())
    );

    let final_one = org.draft("ana", &org.care_x);
    let mut two_reviews = org.draft("ana", &org.care_x);
    two_reviews.required_steps = vec![RequiredStep {
        step: "review".into(),
        quorum: Quorum::Count(2),
        holders: vec![],
    }];
    storage
        .insert_drafts(
            vec![final_one.clone(), two_reviews.clone()],
            crate::fixtures::trail(),
        )
        .await
        .unwrap();
    let rui = org.user("rui");
    let pushed = push_as(
        storage,
        rui,
        vec![
            crate::fixtures::decide(1, final_one.id, 1, Verdict::Approve),
            crate::fixtures::decide(2, two_reviews.id, 1, Verdict::Approve),
        ],
    )
    .await;
    assert!(
        pushed
            .results
            .iter()
            .all(|r| r.status == MutationStatus::Applied),
        "{:?}",
        pushed.results
    );
    let head = storage
        .audit_head()
        .await
        .unwrap()
        .expect("decisions are logged");

    let due = storage.due_deliveries(t0(), 10).await.unwrap();
    let mut to: Vec<Uuid> = due.iter().map(|d| d.delivery.webhook_id).collect();
    to.sort();
    let mut want = vec![every.id, care.id];
    want.sort();
    assert_eq!(
        to, want,
        "every-channel and care-x webhooks; not brand-x, not removed"
    );
    for d in &due {
        assert_eq!(
            d.delivery.draft.id, final_one.id.0,
            "only the final approval"
        );
        assert_eq!(d.delivery.status, DeliveryStatus::Pending);
        let body: serde_json::Value = serde_json::from_str(&d.delivery.payload_json).unwrap();
        assert_eq!(body["event"], "draft.approved");
        assert_eq!(body["delivery_id"], d.delivery.id.to_string());
        assert_eq!(body["draft"]["status"], "approved");
        assert_eq!(body["approved_by"][0]["username"], "rui");
        assert_eq!(body["late"], serde_json::Value::Null);
        // The log's head right after the final approval's own event: the event before
        // the second decision's.
        assert_eq!(body["audit"]["position"], head.position - 1, "{body}");
        let decided = storage
            .audit_events(super::AuditQuery {
                after: head.position - 2,
                limit: 1,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(decided[0].kind, kinds::DECISION);
        assert_eq!(
            decided[0].draft.as_ref().map(|d| d.id),
            Some(final_one.id.0)
        );
        assert_eq!(body["audit"]["hash"], decided[0].hash);
    }

    // One fails and waits; the other is delivered at once.
    let (first, second) = (due[0].delivery.clone(), due[1].delivery.clone());
    let later = t0() + Duration::minutes(1);
    let attempt = |n: u32, at, code: u16| Attempt {
        attempt: n,
        at,
        status_code: Some(code),
        error: (code >= 300).then(|| format!("the receiver answered {code}")),
        duration_ms: 12,
    };
    for (delivery, attempt, next) in [
        (first.clone(), attempt(1, t0(), 500), Next::RetryAt(later)),
        (second.clone(), attempt(1, t0(), 200), Next::Delivered),
    ] {
        storage
            .record_attempt(AttemptRecord {
                delivery,
                attempt,
                next,
            })
            .await
            .unwrap();
    }
    assert!(storage.due_deliveries(t0(), 10).await.unwrap().is_empty());
    assert_eq!(storage.next_delivery_at().await.unwrap(), Some(later));
    let retry = storage.due_deliveries(later, 10).await.unwrap();
    assert_eq!(retry.len(), 1);
    assert_eq!(retry[0].delivery.id, first.id);
    assert_eq!(retry[0].delivery.attempts, 1);
    assert_eq!(
        retry[0].delivery.payload_json, first.payload_json,
        "the same body"
    );
    storage
        .record_attempt(AttemptRecord {
            delivery: retry[0].delivery.clone(),
            attempt: attempt(2, later, 204),
            next: Next::Delivered,
        })
        .await
        .unwrap();
    assert_eq!(storage.next_delivery_at().await.unwrap(), None);

    let views = storage
        .deliveries(DeliveryQuery {
            webhook: Some(first.webhook_id),
            status: None,
            limit: 10,
        })
        .await
        .unwrap();
    assert_eq!(views.len(), 1);
    assert_eq!(views[0].delivery.status, DeliveryStatus::Delivered);
    assert_eq!(views[0].delivery.delivered_at, Some(later));
    assert_eq!(
        views[0]
            .attempt_log
            .iter()
            .map(|a| (a.attempt, a.status_code))
            .collect::<Vec<_>>(),
        vec![(1, Some(500)), (2, Some(204))]
    );
    let failed = DeliveryQuery {
        webhook: None,
        status: Some(DeliveryStatus::Failed),
        limit: 10,
    };
    assert!(storage.deliveries(failed).await.unwrap().is_empty());

    let events = storage
        .audit_events(super::AuditQuery {
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap();
    let count = |kind: &str| events.iter().filter(|e| e.kind == kind).count();
    assert_eq!(count(kinds::WEBHOOK_ADDED), 4);
    assert_eq!(count(kinds::WEBHOOK_REMOVED), 1);
    assert_eq!(count(kinds::WEBHOOK_ATTEMPT), 3);
    assert!(
        events
            .iter()
            .all(|e| !e.detail.to_string().contains("secret")),
        "no event names the secret"
    );
}

/// A live webhook for drafts of `channel` (`None`: every channel), registered at [`t0`].
fn webhook_for(channel: Option<ChannelId>) -> crate::webhooks::Webhook {
    crate::webhooks::Webhook {
        id: Uuid::now_v7(),
        url: "https://publish.example.org/hook".into(),
        channel_id: channel,
        secret: Sensitive::new("secret".into()),
        created_at: t0(),
        removed_at: None,
    }
}

/// Pushes `mutations` as `user` from a new desktop at [`t0`], without the policy guard or
/// receipts.
async fn push_as(
    storage: &dyn Storage,
    user: &UserRecord,
    mutations: Vec<countersign_core::Mutation>,
) -> super::PushOutcome {
    storage
        .push(
            super::PushBatch {
                actor: user.actor(),
                client_id: countersign_core::ClientId(Uuid::now_v7()),
                mutations,
                now: t0(),
                review: None,
                receipts: None,
                skip: None,
            },
            crate::trail::Trail::anonymous_api().as_person(user.person(), None),
        )
        .await
        .unwrap()
}

/// Removing a webhook fails the deliveries still waiting for it, with the reason: nothing
/// would ever send them, and "pending" would promise otherwise. Delivered ones keep their
/// record; the removal's event counts what it failed.
pub(crate) async fn removing_a_webhook_fails_its_pending_deliveries(storage: &dyn Storage) {
    use crate::trail::Trail;
    use crate::webhooks::{DeliveryQuery, DeliveryStatus};
    use countersign_audit::kinds;
    use countersign_core::Verdict;

    let org = Org::create(storage).await;
    let webhook = webhook_for(None);
    storage
        .add_webhook(webhook.clone(), Trail::console())
        .await
        .unwrap();
    let draft = org.draft("ana", &org.care_x);
    storage
        .insert_drafts(vec![draft.clone()], crate::fixtures::trail())
        .await
        .unwrap();
    let rui = org.user("rui");
    push_as(
        storage,
        rui,
        vec![crate::fixtures::decide(1, draft.id, 1, Verdict::Approve)],
    )
    .await;
    assert_eq!(storage.due_deliveries(t0(), 10).await.unwrap().len(), 1);

    assert!(
        storage
            .remove_webhook(webhook.id, t0(), Trail::console())
            .await
            .unwrap()
    );
    assert!(storage.due_deliveries(t0(), 10).await.unwrap().is_empty());
    assert_eq!(storage.next_delivery_at().await.unwrap(), None);
    let failed = storage
        .deliveries(DeliveryQuery {
            webhook: Some(webhook.id),
            status: Some(DeliveryStatus::Failed),
            limit: 10,
        })
        .await
        .unwrap();
    assert_eq!(
        failed.len(),
        1,
        "the waiting delivery is failed, not left pending"
    );
    assert_eq!(
        failed[0].delivery.last_error.as_deref(),
        Some("the webhook was removed before this was delivered")
    );
    let events = storage
        .audit_events(super::AuditQuery {
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap();
    let removed = events
        .iter()
        .find(|e| e.kind == kinds::WEBHOOK_REMOVED)
        .expect("the removal is logged");
    assert_eq!(removed.detail["pending_deliveries_failed"], 1);
}

pub(crate) async fn handoffs_are_the_deliveries_of_the_drafts_asked_about(storage: &dyn Storage) {
    use crate::webhooks::DeliveryStatus;
    use countersign_core::Verdict;
    let org = Org::create(storage).await;
    let webhook = webhook_for(None);
    storage
        .add_webhook(webhook.clone(), crate::fixtures::trail())
        .await
        .unwrap();
    let (approved, pending) = (org.draft("ana", &org.care_x), org.draft("ana", &org.care_x));
    storage
        .insert_drafts(
            vec![approved.clone(), pending.clone()],
            crate::fixtures::trail(),
        )
        .await
        .unwrap();
    let rui = org.user("rui");
    push_as(
        storage,
        rui,
        vec![crate::fixtures::decide(1, approved.id, 1, Verdict::Approve)],
    )
    .await;
    let handoffs = storage
        .handoffs(vec![pending.id, approved.id, DraftId(Uuid::now_v7())])
        .await
        .unwrap();
    assert_eq!(handoffs.len(), 1, "only the approved draft was handed over");
    let handoff = &handoffs[0];
    assert_eq!(
        (handoff.draft_id, handoff.webhook_id, handoff.version),
        (approved.id, webhook.id, 1)
    );
    assert_eq!(
        handoff.content_sha256,
        countersign_audit::content_sha256(&approved.body)
    );
    assert_eq!(handoff.status, DeliveryStatus::Pending);
    assert_eq!((handoff.attempts, handoff.delivered_at), (0, None));
    assert_eq!(handoff.enqueued_at, t0());
    assert!(
        storage.handoffs(vec![]).await.unwrap().is_empty(),
        "no drafts, no deliveries"
    );
}

/// Every comment is kept whole beside the draft: those in the history of an inserted draft
/// and those a push applies, found by draft and id (another draft's id finds nothing), still
/// there after the draft's history folded them away; an edit whose entry names an accepted
/// suggestion marks it accepted at the new version, once.
pub(crate) async fn annotations_are_kept_past_the_history_and_marked_once_accepted(
    storage: &dyn Storage,
) {
    use countersign_core::{
        Annotation, AnnotationId, ClientId, Mutation, MutationId, MutationKind, MutationStatus,
        TextPositionSelector, TextQuoteSelector, TextSelector,
    };
    let org = Org::create(storage).await;
    let rui = org.user("rui").person();
    let mut draft = org.draft("ana", &org.care_x);
    let other = org.draft("ana", &org.care_x);
    let comment = |draft: &Draft, body: &str| Annotation {
        id: AnnotationId(Uuid::now_v7()),
        draft_id: draft.id,
        draft_version: 1,
        body: body.into(),
        suggestion: Some("for you".into()),
        target: Some(TextSelector {
            quote: TextQuoteSelector {
                exact: "for".into(),
                prefix: "A draft ".into(),
                suffix: " care-x".into(),
            },
            position: Some(TextPositionSelector { start: 8, end: 11 }),
        }),
    };
    let written = comment(&draft, "in the history as inserted");
    draft.history.push(HistoryEntry::on(
        &draft,
        &rui,
        t0(),
        HistoryEvent::Annotated {
            annotation: written.clone(),
        },
    ));
    storage
        .insert_drafts(vec![draft.clone(), other.clone()], crate::fixtures::trail())
        .await
        .unwrap();
    let kept = storage.annotation(draft.id, written.id).await.unwrap();
    assert_eq!(
        kept.map(|k| (k.annotation, k.accepted_version)),
        Some((written.clone(), None))
    );
    assert_eq!(
        storage.annotation(other.id, written.id).await.unwrap(),
        None,
        "an annotation belongs to its draft"
    );
    assert_eq!(
        storage
            .annotation(draft.id, AnnotationId(Uuid::now_v7()))
            .await
            .unwrap(),
        None
    );

    // Pushed.
    let pushed = comment(&draft, "pushed");
    let outcome = storage
        .push(
            super::PushBatch {
                actor: org.user("rui").actor(),
                client_id: ClientId(Uuid::now_v7()),
                mutations: vec![Mutation {
                    mutation_id: MutationId(1),
                    kind: MutationKind::Annotate {
                        annotation: pushed.clone(),
                    },
                }],
                now: t0(),
                review: None,
                receipts: None,
                skip: None,
            },
            crate::fixtures::trail(),
        )
        .await
        .unwrap();
    assert_eq!(outcome.results[0].status, MutationStatus::Applied);
    let kept = storage.annotation(draft.id, pushed.id).await.unwrap();
    assert_eq!(kept.map(|k| k.annotation), Some(pushed.clone()));

    // Accepted: an edit naming it, then a flood of history that folds every comment away.
    let ana = org.user("ana").person();
    let accepted = pushed.id;
    let edit = move |d: &Draft| {
        let mut next = d.clone();
        next.history.push(HistoryEntry::on(
            d,
            &ana,
            t0(),
            HistoryEvent::Edited {
                previous_body: d.body.clone(),
                accepted_suggestion: Some(accepted),
            },
        ));
        next.body = "A draft for you".into();
        next.version += 1;
        for _ in 0..500 {
            next.history.push(HistoryEntry::on(
                &next,
                &ana,
                t0(),
                HistoryEvent::Deescalated,
            ));
        }
        Ok(next)
    };
    let updated = match storage
        .update_draft(draft.id, Box::new(edit.clone()), crate::fixtures::trail())
        .await
        .unwrap()
    {
        super::DraftUpdate::Updated(d) => *d,
        other => panic!("the change must store: {other:?}"),
    };
    assert!(
        !updated
            .history
            .iter()
            .any(|e| matches!(e.event, HistoryEvent::Annotated { .. })),
        "the comments are folded out of the history"
    );
    let kept = storage.annotation(draft.id, pushed.id).await.unwrap();
    assert_eq!(kept.map(|k| k.accepted_version), Some(Some(2)));
    let kept = storage.annotation(draft.id, written.id).await.unwrap();
    assert_eq!(
        kept.map(|k| (k.annotation, k.accepted_version)),
        Some((written, None)),
        "still kept, and not the one accepted"
    );
    // Named again by a later edit: the first acceptance stands.
    storage
        .update_draft(draft.id, Box::new(edit), crate::fixtures::trail())
        .await
        .unwrap();
    let kept = storage.annotation(draft.id, pushed.id).await.unwrap();
    assert_eq!(kept.map(|k| k.accepted_version), Some(Some(2)));
}

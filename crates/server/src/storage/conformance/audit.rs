//! The audit log as every backend must keep it: each change leaves exactly one event of its
//! kind, by whom, from which session and about which draft version, in the transaction of
//! the change; a refused change leaves none; the events are chained in commit order.
//!
//! Written against the [`Storage`] trait alone, like the rest of the suite. (That the log
//! refuses UPDATE and DELETE is a property of each backend's schema: SQLite's test is in
//! `sqlite/audit.rs`.)

use super::Org;
use crate::auth::token::TokenHash;
use crate::fixtures::t0;
use crate::storage::{
    AuditQuery, CrisisUpdate, DraftUpdate, Handover, HandoverOutcome, NewSession, PushBatch,
    Refresh, RefreshOutcome, SessionTokens, Storage, StorageError, TeamRecord, UserRecord,
    UserUpdate,
};
use crate::trail::{Trail, actor_ref};
use chrono::{DateTime, Duration, Utc};
use countersign_audit::{DraftRef, Event, GENESIS, NewEvent, Via, content_sha256, kinds};
use countersign_core::channel::Routing;
use countersign_core::wire::Reply;
use countersign_core::{
    Annotation, AnnotationId, ChannelAccess, ChannelId, ClientId, CrisisState, Decision,
    DecisionId, Draft, DraftStatus, Mutation, MutationId, MutationKind, Network, Refusal, Role,
    Sensitive, StepRule, TeamId, UserId, Verdict,
};
use serde_json::json;
use uuid::Uuid;

/// The log read a little at a time: what each step added.
struct Log<'a> {
    storage: &'a dyn Storage,
    after: u64,
}

impl<'a> Log<'a> {
    async fn new(storage: &'a dyn Storage) -> Self {
        let after = storage
            .audit_head()
            .await
            .unwrap()
            .map_or(0, |head| head.position);
        Self { storage, after }
    }

    /// The events written since the last look.
    async fn added(&mut self) -> Vec<Event> {
        let events = self
            .storage
            .audit_events(AuditQuery {
                after: self.after,
                limit: 1000,
                ..AuditQuery::default()
            })
            .await
            .unwrap();
        if let Some(last) = events.last() {
            self.after = last.position;
        }
        events
    }

    /// The one event `what` left, of `kind`, by `trail`'s person through its way in.
    async fn one(&mut self, what: &str, kind: &str, trail: &Trail) -> Event {
        let added = self.added().await;
        let found: Vec<&str> = added.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(found, vec![kind], "{what}: one {kind} event");
        let event = added.into_iter().next().unwrap();
        assert_eq!(event.actor, trail.by.as_ref().map(actor_ref), "{what}: who");
        assert_eq!(event.via, trail.via, "{what}: through what");
        assert_eq!(event.hash, event.computed_hash(), "{what}: its hash");
        event
    }

    /// Nothing was written since the last look.
    async fn none(&mut self, what: &str) {
        let added = self.added().await;
        assert!(
            added.is_empty(),
            "{what} left events: {:?}",
            added.iter().map(|e| &e.kind).collect::<Vec<_>>()
        );
    }
}

/// An administrator acting through the API, in a session of theirs.
fn admin_trail(org: &Org) -> Trail {
    Trail {
        by: Some(org.user("bea").person()),
        session: Some(Uuid::now_v7()),
        via: Via::Api,
    }
}

fn tokens(name: &str, at: DateTime<Utc>) -> SessionTokens {
    SessionTokens {
        access_hash: TokenHash::of(&format!("{name}-access")),
        access_expires_at: at + Duration::hours(1),
        refresh_hash: TokenHash::of(&format!("{name}-refresh")),
        refresh_expires_at: at + Duration::days(30),
    }
}

fn refresh(presented: &str, next: &str, now: DateTime<Utc>) -> Refresh {
    Refresh {
        presented: TokenHash::of(&format!("{presented}-refresh")),
        next: tokens(next, now),
        next_salt: format!("salt-{next}"),
        now,
        grace_until: now + Duration::seconds(10),
        session_lifetime: Duration::days(90),
        two_factor_roles: vec![],
    }
}

/// `mutation_id`: a comment on `draft` at its version.
fn comment(mutation_id: u64, draft: &Draft, body: &str) -> Mutation {
    Mutation {
        mutation_id: MutationId(mutation_id),
        kind: MutationKind::Annotate {
            annotation: Annotation {
                id: AnnotationId(Uuid::now_v7()),
                draft_id: draft.id,
                draft_version: draft.version,
                body: body.into(),
                suggestion: None,
                target: None,
            },
        },
    }
}

/// `mutation_id`: `verdict` on `draft` at `version`, with `override_reason`.
fn decide(
    mutation_id: u64,
    draft: &Draft,
    version: u64,
    verdict: Verdict,
    override_reason: Option<&str>,
) -> Mutation {
    Mutation {
        mutation_id: MutationId(mutation_id),
        kind: MutationKind::Decide {
            decision: Decision {
                id: DecisionId(Uuid::now_v7()),
                draft_id: draft.id,
                draft_version: version,
                verdict,
                comment: format!("{} at version {version}", verdict.as_str()),
                override_reason: override_reason.map(str::to_owned),
                client_time: None,
            },
        },
    }
}

fn batch(org: &Org, pusher: &str, client: ClientId, mutations: Vec<Mutation>) -> PushBatch {
    PushBatch {
        actor: org.user(pusher).actor(),
        client_id: client,
        mutations,
        skip: None,
        now: t0() + Duration::minutes(5),
        review: None,
        receipts: None,
    }
}

/// What the log names a draft version by.
fn draft_ref(draft: &Draft) -> DraftRef {
    DraftRef {
        id: draft.id.0,
        version: draft.version,
        content_sha256: content_sha256(&draft.body),
    }
}

/// Every kind of change through the trait leaves exactly one event of its kind, by the
/// trail's person through its way in, with what an auditor needs in its detail and never a
/// password hash or TOTP secret; sessions' events name their session and, when the trail
/// names nobody, its owner; a draft's events name its version and the SHA-256 of its text.
pub(crate) async fn every_change_leaves_one_event_naming_who_and_what(storage: &dyn Storage) {
    let org = Org::create(storage).await;
    let trail = admin_trail(&org);
    let mut log = Log::new(storage).await;

    // The organisation.
    let legal = TeamId(Uuid::now_v7());
    storage
        .create_team(
            TeamRecord {
                id: legal,
                name: "Legal".into(),
                created_at: t0(),
            },
            trail.clone(),
        )
        .await
        .unwrap();
    let event = log.one("a team", kinds::TEAM_CREATED, &trail).await;
    assert_eq!(event.session, trail.session, "the admin's session");
    assert_eq!(event.detail["team"]["name"], "Legal");

    let lee = UserRecord {
        id: UserId(Uuid::now_v7()),
        username: "lee".into(),
        display_name: "Lee".into(),
        password_hash: Sensitive::new("$argon2id$lee-s-hash".into()),
        roles: vec![Role::Reviewer],
        steps: vec![],
        teams: vec![legal],
        channels: ChannelAccess::AllOfTeams,
        created_at: t0(),
        disabled_at: None,
        totp_secret: None,
    };
    storage
        .create_user(lee.clone(), trail.clone())
        .await
        .unwrap();
    let event = log.one("a user", kinds::USER_CREATED, &trail).await;
    assert_eq!(event.detail["user"]["username"], "lee");
    assert_eq!(event.detail["account"]["teams"][0]["name"], "Legal");
    assert!(
        !serde_json::to_string(&event)
            .unwrap()
            .contains("lee-s-hash"),
        "no password hash in the log"
    );

    let updated = storage
        .update_user(
            lee.id,
            Box::new(|u| {
                let mut next = u.clone();
                next.steps.push("legal".into());
                Ok(next)
            }),
            t0(),
            trail.clone(),
        )
        .await
        .unwrap();
    assert!(matches!(updated, UserUpdate::Updated(_)));
    let event = log.one("a step", kinds::ACCOUNT_CHANGED, &trail).await;
    assert_eq!(event.detail["before"]["steps"], json!([]));
    assert_eq!(event.detail["after"]["steps"], json!(["legal"]));

    let legal_x = countersign_core::Channel {
        id: ChannelId(Uuid::now_v7()),
        name: "legal-x".into(),
        network: Network::X,
        account: "@legal_example".into(),
        team: legal,
        policy: vec![StepRule::one("review")],
    };
    storage
        .create_channel(legal_x.clone(), t0(), trail.clone())
        .await
        .unwrap();
    let event = log.one("a channel", kinds::CHANNEL_CREATED, &trail).await;
    assert_eq!(event.detail["channel"]["name"], "legal-x");

    let stricter = vec![StepRule::one("review"), StepRule::one("legal")];
    assert!(
        storage
            .set_channel_policy(legal_x.id, stricter.clone(), t0(), trail.clone())
            .await
            .unwrap()
    );
    let event = log
        .one("a policy", kinds::CHANNEL_POLICY_CHANGED, &trail)
        .await;
    assert_eq!(event.detail["before"], json!(legal_x.policy));
    assert_eq!(event.detail["after"], json!(stricter));

    let routing = Routing {
        on_block: Some(StepRule::one("legal")),
        ..Routing::default()
    };
    assert!(
        storage
            .set_channel_routing(legal_x.id, routing.clone(), t0(), trail.clone())
            .await
            .unwrap()
    );
    let event = log
        .one("a routing", kinds::CHANNEL_ROUTING_CHANGED, &trail)
        .await;
    assert_eq!(event.detail["after"], json!(routing));

    let pack = "format = 1\nname = \"Ours\"\n".to_owned();
    let version = storage
        .set_policy_pack(pack.clone(), org.user("bea").person(), t0(), trail.clone())
        .await
        .unwrap();
    let event = log.one("a pack", kinds::POLICY_PACK_SET, &trail).await;
    assert_eq!(event.detail["version"], json!(version));
    assert_eq!(event.detail["sha256"], json!(content_sha256(&pack)));

    let reply = Reply {
        id: Uuid::now_v7(),
        name: "late".into(),
        text: "Sorry for the wait, {name}.".into(),
        created_at: t0(),
    };
    storage.add_reply(reply, trail.clone()).await.unwrap();
    let event = log.one("a reply", kinds::REPLY_ADDED, &trail).await;
    assert_eq!(event.detail["reply"]["text"], "Sorry for the wait, {name}.");
    assert!(
        storage
            .remove_reply("late".into(), t0(), trail.clone())
            .await
            .unwrap()
    );
    log.one("a removal", kinds::REPLY_REMOVED, &trail).await;

    storage
        .set_two_factor_roles(vec![Role::Admin], t0(), trail.clone())
        .await
        .unwrap();
    let event = log
        .one("the two-factor policy", kinds::TWO_FACTOR_POLICY, &trail)
        .await;
    assert_eq!(event.detail["after"], json!(["admin"]));

    let secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    assert!(
        storage
            .set_totp_secret(lee.id, Sensitive::new(secret.into()), t0(), trail.clone())
            .await
            .unwrap()
    );
    let event = log
        .one("an enrolment", kinds::TWO_FACTOR_ENROLLED, &trail)
        .await;
    assert!(
        !serde_json::to_string(&event).unwrap().contains(secret),
        "no TOTP secret in the log"
    );
    assert!(
        storage
            .clear_totp_secret(lee.id, t0(), trail.clone())
            .await
            .unwrap()
    );
    log.one("a removal", kinds::TWO_FACTOR_REMOVED, &trail)
        .await;

    let state =
        CrisisState::default().turned_on(None, "Store fire", &org.user("bea").person(), t0());
    let on = storage
        .set_crisis(
            Box::new(move |_| Ok(state)),
            org.user("bea").person(),
            t0(),
            trail.clone(),
        )
        .await
        .unwrap();
    assert!(matches!(on, CrisisUpdate::Updated { .. }));
    let event = log.one("crisis on", kinds::CRISIS_ON, &trail).await;
    assert_eq!(event.detail["reason"], "Store fire");
    assert!(event.detail["effect"].is_object(), "{}", event.detail);
    storage
        .set_crisis(
            Box::new(|_| Ok(CrisisState::default())),
            org.user("bea").person(),
            t0(),
            trail.clone(),
        )
        .await
        .unwrap();
    log.one("crisis off", kinds::CRISIS_OFF, &trail).await;

    // A draft's life, by its author through the API.
    let author = Trail {
        by: Some(org.user("ana").person()),
        session: Some(Uuid::now_v7()),
        via: Via::Api,
    };
    let draft = org.draft("ana", &org.care_x);
    storage
        .insert_drafts(vec![draft.clone()], author.clone())
        .await
        .unwrap();
    let event = log.one("a draft", kinds::DRAFT_CREATED, &author).await;
    assert_eq!(event.session, author.session);
    assert_eq!(event.draft, Some(draft_ref(&draft)));

    let edited = storage
        .update_draft(
            draft.id,
            Box::new(|d| {
                let mut next = d.clone();
                next.body = "A better draft".into();
                next.version += 1;
                Ok(next)
            }),
            author.clone(),
        )
        .await
        .unwrap();
    let DraftUpdate::Updated(edited) = edited else {
        panic!("the edit applies")
    };
    let event = log.one("an edit", kinds::DRAFT_EDITED, &author).await;
    assert_eq!(event.draft, Some(draft_ref(&edited)), "the new version");
    assert_eq!(
        event.detail["before"]["content_sha256"],
        json!(content_sha256(&draft.body)),
        "and the text it replaced"
    );
    storage
        .update_draft(
            draft.id,
            Box::new(|d| {
                let mut next = d.clone();
                next.status = DraftStatus::Withdrawn;
                Ok(next)
            }),
            author.clone(),
        )
        .await
        .unwrap();
    log.one("a withdrawal", kinds::DRAFT_WITHDRAWN, &author)
        .await;

    // A decision, by the pusher as the transaction holds them, in their session.
    let decided = org.draft("ana", &org.care_x);
    storage
        .insert_drafts(vec![decided.clone()], author.clone())
        .await
        .unwrap();
    log.one("a second draft", kinds::DRAFT_CREATED, &author)
        .await;
    let rui = Trail {
        by: Some(org.user("rui").person()),
        session: Some(Uuid::now_v7()),
        via: Via::Api,
    };
    let client = ClientId(Uuid::now_v7());
    let approve = decide(1, &decided, 1, Verdict::Approve, None);
    storage
        .push(
            batch(&org, "rui", client, vec![approve.clone()]),
            rui.clone(),
        )
        .await
        .unwrap();
    let event = log.one("a decision", kinds::DECISION, &rui).await;
    assert_eq!(event.session, rui.session);
    assert_eq!(
        event.draft,
        Some(draft_ref(&decided)),
        "the version decided on"
    );
    assert_eq!(event.detail["verdict"], "approve");
    assert_eq!(event.detail["step"], "review");
    assert_eq!(event.detail["status"], "approved");
    assert_eq!(event.detail["mutation_id"], 1);
    assert_eq!(event.detail["client_id"], json!(client));
    let MutationKind::Decide { decision } = &approve.kind else {
        unreachable!()
    };
    assert_eq!(event.detail["decision_id"], json!(decision.id));
    assert_eq!(event.at, t0() + Duration::minutes(5), "server time");

    // Sessions: their events name the session, and its owner when the trail names nobody.
    let rob = org.user("rob");
    let signed_in = Trail::anonymous_api().as_person(rob.person(), None);
    let session = Uuid::now_v7();
    storage
        .create_session(
            NewSession {
                id: session,
                user_id: rob.id,
                tokens: tokens("rob-1", t0()),
                created_at: t0(),
            },
            signed_in.clone(),
        )
        .await
        .unwrap();
    let event = log.one("a sign-in", kinds::SIGN_IN, &signed_in).await;
    assert_eq!(event.session, Some(session), "the new session");
    let rotated = storage
        .refresh_session(refresh("rob-1", "rob-2", t0()), Trail::anonymous_api())
        .await
        .unwrap();
    assert!(matches!(rotated, RefreshOutcome::Rotated { .. }));
    log.none("a refresh").await;
    let replay = storage
        .refresh_session(
            refresh("rob-1", "rob-3", t0() + Duration::minutes(1)),
            Trail::anonymous_api(),
        )
        .await
        .unwrap();
    assert!(matches!(replay, RefreshOutcome::Reused), "{replay:?}");
    let event = log.one("a replay", kinds::SESSION_REUSED, &signed_in).await;
    assert_eq!(event.session, Some(session), "the revoked session");

    let second = Uuid::now_v7();
    storage
        .create_session(
            NewSession {
                id: second,
                user_id: rob.id,
                tokens: tokens("rob-4", t0()),
                created_at: t0(),
            },
            signed_in.clone(),
        )
        .await
        .unwrap();
    log.one("a second sign-in", kinds::SIGN_IN, &signed_in)
        .await;
    let by_rob = Trail {
        session: Some(second),
        ..signed_in.clone()
    };
    storage
        .revoke_session(second, t0(), by_rob.clone())
        .await
        .unwrap();
    let event = log.one("a sign-out", kinds::SIGN_OUT, &by_rob).await;
    assert_eq!(event.session, Some(second));

    let third = Uuid::now_v7();
    storage
        .create_session(
            NewSession {
                id: third,
                user_id: rob.id,
                tokens: tokens("rob-5", t0()),
                created_at: t0(),
            },
            signed_in.clone(),
        )
        .await
        .unwrap();
    log.one("a third sign-in", kinds::SIGN_IN, &signed_in).await;
    assert!(
        storage
            .revoke_by_refresh(
                &TokenHash::of("rob-5-refresh"),
                t0(),
                Trail::anonymous_api()
            )
            .await
            .unwrap()
    );
    let event = log
        .one("a sign-out by refresh token", kinds::SIGN_OUT, &signed_in)
        .await;
    assert_eq!(event.session, Some(third), "names its session and owner");

    let failed = Trail::anonymous_api();
    storage
        .record_sign_in_failure(
            vec!["account:nobody".into()],
            t0(),
            t0() - Duration::minutes(15),
            failed.clone(),
            json!({"reason": "unknown_account", "username_sha256": content_sha256("nobody")}),
        )
        .await
        .unwrap();
    let event = log
        .one("a failed sign-in", kinds::SIGN_IN_FAILED, &failed)
        .await;
    assert_eq!(event.detail["reason"], "unknown_account");

    // Leavers.
    assert!(
        storage
            .disable_user(lee.id, t0(), trail.clone())
            .await
            .unwrap()
    );
    let event = log
        .one("a disabled user", kinds::USER_DISABLED, &trail)
        .await;
    assert_eq!(event.detail["user"]["username"], "lee");
    let handed = storage
        .hand_over(
            Handover {
                leaver: org.user("amy").id,
                successor: org.user("ana").id,
                by: org.user("bea").person(),
                now: t0(),
            },
            trail.clone(),
        )
        .await
        .unwrap();
    assert!(matches!(handed, HandoverOutcome::Done(_)), "{handed:?}");
    let event = log.one("a handover", kinds::HANDOVER, &trail).await;
    assert_eq!(event.detail["leaver"]["username"], "amy");
    assert_eq!(event.detail["successor"]["username"], "ana");
    assert!(event.detail["report"].is_object());
}

/// A change refused (by the rules, a taken name, a missing record) or that changes nothing
/// worth recording (a repeated push, a refresh that only rotates) leaves no event: the
/// event commits with its change or not at all.
pub(crate) async fn a_refused_change_leaves_no_event(storage: &dyn Storage) {
    let org = Org::create(storage).await;
    let trail = admin_trail(&org);
    let mut log = Log::new(storage).await;

    let taken = storage
        .create_team(
            TeamRecord {
                id: TeamId(Uuid::now_v7()),
                name: "Care".into(),
                created_at: t0(),
            },
            trail.clone(),
        )
        .await;
    assert!(matches!(taken, Err(StorageError::AlreadyExists(_))));
    log.none("a taken team name").await;

    let refused = storage
        .update_user(
            org.user("rui").id,
            Box::new(|_| Err(Refusal::Invalid("no".into()))),
            t0(),
            trail.clone(),
        )
        .await
        .unwrap();
    assert!(matches!(refused, UserUpdate::Refused(_)));
    let missing = storage
        .update_user(
            UserId(Uuid::now_v7()),
            Box::new(|u| Ok(u.clone())),
            t0(),
            trail.clone(),
        )
        .await
        .unwrap();
    assert!(matches!(missing, UserUpdate::NotFound));
    log.none("a refused account change").await;

    // Asked for, but nothing changed (the account keeps what it had): no event either.
    let same = storage
        .update_user(
            org.user("rui").id,
            Box::new(|u| Ok(u.clone())),
            t0(),
            trail.clone(),
        )
        .await
        .unwrap();
    assert!(matches!(same, UserUpdate::Updated(_)));
    log.none("an account change that changed nothing").await;

    let off = storage
        .set_crisis(
            Box::new(|_| Err(Refusal::Invalid("crisis mode is not on".into()))),
            org.user("bea").person(),
            t0(),
            trail.clone(),
        )
        .await
        .unwrap();
    assert!(matches!(off, CrisisUpdate::Refused(_)));
    log.none("a refused crisis switch").await;

    let nobody = UserId(Uuid::now_v7());
    let no_channel = ChannelId(Uuid::now_v7());
    assert!(
        !storage
            .disable_user(nobody, t0(), trail.clone())
            .await
            .unwrap()
    );
    assert!(
        !storage
            .set_channel_policy(
                no_channel,
                vec![StepRule::one("review")],
                t0(),
                trail.clone()
            )
            .await
            .unwrap()
    );
    assert!(
        !storage
            .set_channel_routing(no_channel, Routing::default(), t0(), trail.clone())
            .await
            .unwrap()
    );
    assert!(
        !storage
            .remove_reply("none".into(), t0(), trail.clone())
            .await
            .unwrap()
    );
    assert!(
        !storage
            .set_totp_secret(
                nobody,
                Sensitive::new("JBSWY3DPEHPK3PXP".into()),
                t0(),
                trail.clone()
            )
            .await
            .unwrap()
    );
    assert!(
        !storage
            .clear_totp_secret(nobody, t0(), trail.clone())
            .await
            .unwrap()
    );
    log.none("changes to nothing").await;

    let refused = storage
        .hand_over(
            Handover {
                leaver: org.user("ana").id,
                successor: nobody,
                by: org.user("bea").person(),
                now: t0(),
            },
            trail.clone(),
        )
        .await
        .unwrap();
    assert!(matches!(refused, HandoverOutcome::Refused(_)));
    let draft = org.draft("ana", &org.care_x);
    storage
        .insert_drafts(vec![draft.clone()], trail.clone())
        .await
        .unwrap();
    log.one("the draft", kinds::DRAFT_CREATED, &trail).await;
    // A reviewer cannot own an author's drafts: blocked, nothing written.
    let blocked = storage
        .hand_over(
            Handover {
                leaver: org.user("ana").id,
                successor: org.user("rui").id,
                by: org.user("bea").person(),
                now: t0(),
            },
            trail.clone(),
        )
        .await
        .unwrap();
    assert!(
        matches!(blocked, HandoverOutcome::Blocked { .. }),
        "{blocked:?}"
    );
    log.none("a refused handover").await;

    let refused = storage
        .update_draft(
            draft.id,
            Box::new(|_| Err(Refusal::Invalid("no".into()))),
            trail.clone(),
        )
        .await
        .unwrap();
    assert!(matches!(refused, DraftUpdate::Refused { .. }));
    log.none("a refused edit").await;

    // A stale decision and one on a draft that does not exist are refused; the applied
    // one, pushed again, is a duplicate.
    let client = ClientId(Uuid::now_v7());
    let mut ghost = org.draft("ana", &org.care_x);
    ghost.id = countersign_core::DraftId(Uuid::now_v7());
    let rui = Trail::anonymous_api().as_person(org.user("rui").person(), None);
    let pushed = storage
        .push(
            batch(
                &org,
                "rui",
                client,
                vec![
                    decide(1, &draft, 7, Verdict::Approve, None),
                    decide(2, &ghost, 1, Verdict::Approve, None),
                ],
            ),
            rui.clone(),
        )
        .await
        .unwrap();
    assert!(
        pushed
            .results
            .iter()
            .all(|r| r.status != countersign_core::MutationStatus::Applied),
        "{:?}",
        pushed.results
    );
    log.none("refused mutations").await;
    let approve = batch(
        &org,
        "rui",
        client,
        vec![decide(3, &draft, 1, Verdict::Approve, None)],
    );
    storage.push(approve.clone(), rui.clone()).await.unwrap();
    log.one("the decision", kinds::DECISION, &rui).await;
    storage.push(approve, rui.clone()).await.unwrap();
    log.none("the decision pushed again").await;
}

/// The events chain in commit order: positions 1, 2, 3… without gaps, each `prev_hash` the
/// hash of the one before (the first's [`GENESIS`]), each hash what its content hashes to;
/// the head is the last event's. Paging by `after` walks every event once; `from` and `to`
/// keep the events in that time (from inclusive, to exclusive). `record` appends standalone
/// events after the rest and answers their heads.
pub(crate) async fn the_chain_links_in_commit_order_and_every_hash_recomputes(
    storage: &dyn Storage,
) {
    assert_eq!(storage.audit_head().await.unwrap(), None, "an empty log");
    let org = Org::create(storage).await;
    let trail = Trail::server();
    let mut drafts = vec![];
    for minutes in [10, 20, 30] {
        let mut draft = org.draft("ana", &org.care_x);
        draft.created_at = t0() + Duration::minutes(minutes);
        drafts.push(draft);
    }
    storage.insert_drafts(drafts, trail.clone()).await.unwrap();
    let exported = NewEvent::new(
        t0() + Duration::minutes(40),
        kinds::AUDIT_EXPORTED,
        Via::Cli,
    );
    let heads = storage
        .record(vec![exported.clone(), exported])
        .await
        .unwrap();

    let mut all = vec![];
    let mut after = 0;
    loop {
        let page = storage
            .audit_events(AuditQuery {
                after,
                limit: 4,
                ..AuditQuery::default()
            })
            .await
            .unwrap();
        assert!(page.len() <= 4, "a page holds at most its limit");
        let Some(last) = page.last() else { break };
        after = last.position;
        all.extend(page);
    }
    assert!(
        all.len() > 5,
        "the organisation and the drafts: {}",
        all.len()
    );
    let mut prev = GENESIS.to_owned();
    for (i, event) in all.iter().enumerate() {
        assert_eq!(event.position, i as u64 + 1, "no gaps");
        assert_eq!(
            event.prev_hash, prev,
            "event {} links to the one before",
            event.position
        );
        assert_eq!(
            event.hash,
            event.computed_hash(),
            "event {} hashes",
            event.position
        );
        prev = event.hash.clone();
    }
    let last = all.last().unwrap();
    assert_eq!(storage.audit_head().await.unwrap(), Some(last.head()));
    assert_eq!(
        heads,
        all[all.len() - 2..]
            .iter()
            .map(Event::head)
            .collect::<Vec<_>>(),
        "record answers the heads of what it appended, last"
    );
    let kinds_in_order: Vec<&str> = all.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds_in_order[0], kinds::TEAM_CREATED, "{kinds_in_order:?}");
    assert_eq!(
        &kinds_in_order[all.len() - 5..],
        &[
            kinds::DRAFT_CREATED,
            kinds::DRAFT_CREATED,
            kinds::DRAFT_CREATED,
            kinds::AUDIT_EXPORTED,
            kinds::AUDIT_EXPORTED,
        ]
    );

    let window = storage
        .audit_events(AuditQuery {
            after: 0,
            from: Some(t0() + Duration::minutes(20)),
            to: Some(t0() + Duration::minutes(40)),
            limit: 100,
        })
        .await
        .unwrap();
    assert_eq!(
        window.iter().map(|e| e.at).collect::<Vec<_>>(),
        vec![t0() + Duration::minutes(20), t0() + Duration::minutes(30)],
        "from is inclusive, to exclusive"
    );
}

/// A push's events follow its applied mutations in order, one each — an approval with a
/// reason is an `override`, a comment a `comment` keeping its text — at consecutive
/// positions, each about the version it was made on; refused ones in between leave none.
pub(crate) async fn a_push_s_events_follow_its_mutations_in_order(storage: &dyn Storage) {
    let org = Org::create(storage).await;
    let (first, second) = (org.draft("ana", &org.care_x), org.draft("amy", &org.care_x));
    storage
        .insert_drafts(vec![first.clone(), second.clone()], Trail::server())
        .await
        .unwrap();
    let mut log = Log::new(storage).await;
    let rui = Trail {
        by: Some(org.user("rui").person()),
        session: Some(Uuid::now_v7()),
        via: Via::Api,
    };
    let pushed = storage
        .push(
            batch(
                &org,
                "rui",
                ClientId(Uuid::now_v7()),
                vec![
                    decide(
                        1,
                        &first,
                        1,
                        Verdict::Approve,
                        Some("Legal cleared the claim"),
                    ),
                    comment(2, &second, "Say which store."),
                    decide(3, &first, 1, Verdict::Approve, None),
                    decide(4, &second, 1, Verdict::RequestChanges, None),
                ],
            ),
            rui.clone(),
        )
        .await
        .unwrap();
    assert_eq!(pushed.results.len(), 4);
    let events = log.added().await;
    let found: Vec<(&str, Option<DraftRef>)> = events
        .iter()
        .map(|e| (e.kind.as_str(), e.draft.clone()))
        .collect();
    assert_eq!(
        found,
        vec![
            (kinds::OVERRIDE, Some(draft_ref(&first))),
            (kinds::COMMENT, Some(draft_ref(&second))),
            (kinds::DECISION, Some(draft_ref(&second))),
        ],
        "the already approved draft's second approval was refused"
    );
    for pair in events.windows(2) {
        assert_eq!(pair[1].position, pair[0].position + 1, "consecutive");
        assert_eq!(pair[1].prev_hash, pair[0].hash, "linked");
    }
    assert_eq!(
        events[0].detail["override_reason"],
        "Legal cleared the claim"
    );
    assert_eq!(events[1].detail["body"], "Say which store.");
    assert_eq!(events[2].detail["verdict"], "request_changes");
    assert_eq!(
        events
            .iter()
            .map(|e| e.detail["mutation_id"].clone())
            .collect::<Vec<_>>(),
        vec![json!(1), json!(2), json!(4)]
    );
    for event in &events {
        assert_eq!(event.actor, rui.by.as_ref().map(actor_ref));
        assert_eq!(event.session, rui.session);
    }
}

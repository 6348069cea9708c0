use super::*;
use crate::clock::to_text;
use crate::fixtures::{actor, decide, draft, t0, team};
use crate::storage::{ChangesRequest, DraftUpdate, PushBatch, SessionTokens};
use countersign_core::approval::Actor;
use countersign_core::{
    ClientId, DraftStatus, MutationId, MutationResult, MutationStatus, Refusal, Role, Sensitive,
    TeamId, Verdict,
};

struct Fixture {
    _dir: tempfile::TempDir,
    storage: SqliteStorage,
    team: TeamId,
    author: Actor,
    reviewer: Actor,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let storage = SqliteStorage::open(&dir.path().join("countersign.db")).unwrap();
    let team = team();
    storage
        .create_team(
            TeamRecord {
                id: team,
                name: "Customer Care".into(),
                created_at: t0(),
            },
            crate::fixtures::trail(),
        )
        .await
        .unwrap();
    let author = actor("ana", &[Role::Author], &[], &[team]);
    let reviewer = actor("rui", &[Role::Reviewer], &["review"], &[team]);
    for a in [&author, &reviewer] {
        storage
            .create_user(user_of(a), crate::fixtures::trail())
            .await
            .unwrap();
    }
    Fixture {
        _dir: dir,
        storage,
        team,
        author,
        reviewer,
    }
}

fn user_of(a: &Actor) -> UserRecord {
    UserRecord {
        id: a.person.id,
        username: a.person.username.clone(),
        display_name: a.person.display_name.clone(),
        password_hash: Sensitive::new("$argon2id$not-a-real-hash".into()),
        roles: a.roles.clone(),
        steps: a.steps.clone(),
        teams: a.teams.clone(),
        channels: a.channels.clone(),
        created_at: t0(),
        disabled_at: None,
        totp_secret: None,
    }
}

fn page_request(who: &Actor, client: Option<ClientId>, after: u64) -> ChangesRequest {
    ChangesRequest {
        user: user_of(who),
        client_id: client,
        after,
        limit: 100,
        now: t0(),
    }
}

#[test]
fn opening_twice_keeps_the_schema_and_uses_wal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("countersign.db");
    drop(SqliteStorage::open(&path).unwrap());
    let storage = SqliteStorage::open(&path).unwrap();
    let conn = lock(&storage.writer);
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let fk: i64 = conn
        .pragma_query_value(None, "foreign_keys", |r| r.get(0))
        .unwrap();
    assert_eq!(fk, 1, "foreign keys must be enforced");
    let sync: i64 = conn
        .pragma_query_value(None, "synchronous", |r| r.get(0))
        .unwrap();
    assert_eq!(sync, 2, "synchronous must be FULL");
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version as usize, MIGRATIONS.len());
}

#[test]
fn a_database_of_schema_1_gains_every_later_migration() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("countersign.db");
    {
        let mut conn = Connection::open(&path).unwrap();
        Migrations::new(vec![M::up(MIGRATIONS[0])])
            .to_latest(&mut conn)
            .unwrap();
        conn.execute(
            "INSERT INTO schema_checksums (version, sha256) VALUES (1, ?1)",
            [checksum(MIGRATIONS[0])],
        )
        .unwrap();
    }
    let storage = SqliteStorage::open(&path).unwrap();
    let conn = lock(&storage.writer);
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version as usize, MIGRATIONS.len());
    conn.prepare("SELECT totp_secret, totp_last_step, channels_limited FROM users")
        .unwrap();
    conn.prepare("SELECT channel_id, owner_id FROM drafts")
        .unwrap();
}

#[tokio::test]
async fn a_spent_refresh_token_of_schema_4_still_revokes_after_migration_5() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("countersign.db");
    let user = UserId(Uuid::new_v4());
    {
        let mut conn = Connection::open(&path).unwrap();
        Migrations::new(MIGRATIONS[..4].iter().map(|sql| M::up(sql)).collect())
            .to_latest(&mut conn)
            .unwrap();
        for (i, sql) in MIGRATIONS[..4].iter().enumerate() {
            conn.execute(
                "INSERT INTO schema_checksums (version, sha256) VALUES (?1, ?2)",
                rusqlite::params![i as i64 + 1, checksum(sql)],
            )
            .unwrap();
        }
        conn.execute(
            "INSERT INTO users (id, username, display_name, password_hash, roles, steps, \
             created_at) VALUES (?1, 'rui', 'Rui', 'x', 'reviewer', 'review', ?2)",
            rusqlite::params![user.to_string(), to_text(t0())],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO sessions (id, user_id, access_hash, access_expires_at, refresh_hash, \
             refresh_expires_at, previous_refresh_hash, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            rusqlite::params![
                Uuid::new_v4().to_string(),
                user.to_string(),
                TokenHash::of("access").as_str(),
                to_text(t0() + chrono::Duration::hours(1)),
                TokenHash::of("current").as_str(),
                to_text(t0() + chrono::Duration::days(30)),
                TokenHash::of("spent").as_str(),
                to_text(t0()),
            ],
        )
        .unwrap();
    }
    let storage = SqliteStorage::open(&path).unwrap();
    let now = t0() + chrono::Duration::hours(2);
    let outcome = storage
        .refresh_session(
            crate::storage::Refresh {
                presented: TokenHash::of("spent"),
                next: SessionTokens {
                    access_hash: TokenHash::of("a2"),
                    access_expires_at: now,
                    refresh_hash: TokenHash::of("r2"),
                    refresh_expires_at: now,
                },
                next_salt: "salt".into(),
                now,
                grace_until: now,
                session_lifetime: chrono::Duration::days(90),
                two_factor_roles: vec![],
            },
            crate::fixtures::trail(),
        )
        .await
        .unwrap();
    assert!(
        matches!(outcome, crate::storage::RefreshOutcome::Reused),
        "the one spent token schema 4 remembered moved to the new table: {outcome:?}"
    );
    let lookup = storage
        .session_by_access(&TokenHash::of("access"))
        .await
        .unwrap()
        .expect("the session");
    assert!(
        lookup.revoked_at.is_some(),
        "and its replay revoked the session"
    );
}

#[test]
fn results_stored_before_migration_6_lose_their_draft_copies_and_keep_the_drafts_id() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("countersign.db");
    let draft_id = Uuid::now_v7().to_string();
    let copy = format!(r#"{{"id":"{draft_id}","body":"{}"}}"#, "a".repeat(10_000));
    {
        let mut conn = Connection::open(&path).unwrap();
        Migrations::new(MIGRATIONS[..5].iter().map(|sql| M::up(sql)).collect())
            .to_latest(&mut conn)
            .unwrap();
        for (i, sql) in MIGRATIONS[..5].iter().enumerate() {
            conn.execute(
                "INSERT INTO schema_checksums (version, sha256) VALUES (?1, ?2)",
                rusqlite::params![i as i64 + 1, checksum(sql)],
            )
            .unwrap();
        }
        // As an older server stored them (without the client rows they belong to).
        conn.pragma_update(None, "foreign_keys", false).unwrap();
        let rows = [
            (
                1,
                format!(
                    r#"{{"mutation_id":1,"status":"conflict","reason":"withdrawn","draft":{copy}}}"#
                ),
            ),
            (2, r#"{"mutation_id":2,"status":"applied"}"#.to_owned()),
        ];
        for (id, json) in rows {
            conn.execute(
                "INSERT INTO mutation_results (client_id, mutation_id, result_json) \
                 VALUES ('c', ?1, ?2)",
                rusqlite::params![id, json],
            )
            .unwrap();
        }
    }
    let storage = SqliteStorage::open(&path).unwrap();
    let conn = lock(&storage.writer);
    let read = |id: i64| {
        conn.query_row(
            "SELECT result_json, draft_id FROM mutation_results WHERE mutation_id = ?1",
            [id],
            |row| Ok((row.get::<_, String>(0)?, row.get::<_, Option<String>>(1)?)),
        )
        .unwrap()
    };
    let (json, draft) = read(1);
    assert!(!json.contains("aaaa"), "the copy is gone: {json}");
    assert_eq!(
        draft.as_deref(),
        Some(draft_id.as_str()),
        "its draft's id stays"
    );
    let result: MutationResult = serde_json::from_str(&json).unwrap();
    assert_eq!(result.status, MutationStatus::Conflict);
    assert_eq!(
        result.reason,
        Some(countersign_core::ConflictReason::Withdrawn)
    );
    assert!(result.draft.is_none());
    let (json, draft) = read(2);
    assert_eq!(
        json, r#"{"mutation_id":2,"status":"applied"}"#,
        "other results are untouched"
    );
    assert_eq!(draft, None);
}

#[tokio::test]
async fn comments_already_in_the_drafts_histories_are_kept_by_migration_10() {
    use countersign_core::{Annotation, AnnotationId, HistoryEntry, HistoryEvent, Person};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("countersign.db");
    let author = Person {
        id: countersign_core::UserId(Uuid::now_v7()),
        username: "ana".into(),
        display_name: "Ana".into(),
    };
    let mut old = draft(team(), &author);
    let annotation = Annotation {
        id: AnnotationId(Uuid::now_v7()),
        draft_id: old.id,
        draft_version: 1,
        body: "Warmer, please".into(),
        suggestion: Some("Thank you".into()),
        target: None,
    };
    old.history.push(HistoryEntry::on(
        &old,
        &author,
        t0(),
        HistoryEvent::Annotated {
            annotation: annotation.clone(),
        },
    ));
    {
        let mut conn = Connection::open(&path).unwrap();
        Migrations::new(MIGRATIONS[..9].iter().map(|sql| M::up(sql)).collect())
            .to_latest(&mut conn)
            .unwrap();
        for (i, sql) in MIGRATIONS[..9].iter().enumerate() {
            conn.execute(
                "INSERT INTO schema_checksums (version, sha256) VALUES (?1, ?2)",
                rusqlite::params![i as i64 + 1, checksum(sql)],
            )
            .unwrap();
        }
        // As an older server stored it (without the team and author rows it names).
        conn.pragma_update(None, "foreign_keys", false).unwrap();
        conn.execute(
            "INSERT INTO drafts (id, team_id, author_id, status, version, change_seq, \
             draft_json, created_at, updated_at) VALUES (?1, ?2, ?3, 'pending', 1, 1, ?4, ?5, ?5)",
            rusqlite::params![
                old.id.to_string(),
                old.team.to_string(),
                author.id.to_string(),
                serde_json::to_string(&old).unwrap(),
                to_text(t0()),
            ],
        )
        .unwrap();
    }
    let storage = SqliteStorage::open(&path).unwrap();
    let kept = storage
        .annotation(old.id, annotation.id)
        .await
        .unwrap()
        .expect("kept by the migration");
    assert_eq!(kept.annotation, annotation);
    assert_eq!(kept.accepted_version, None);
}

#[test]
fn a_database_from_a_newer_server_is_refused_loudly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("countersign.db");
    drop(SqliteStorage::open(&path).unwrap());
    {
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
    }
    let error = SqliteStorage::open(&path).unwrap_err();
    assert!(
        matches!(
            error,
            StorageError::SchemaTooNew {
                found: 99,
                supported,
                ..
            } if supported == MIGRATIONS.len()
        ),
        "got {error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains("newer server"),
        "the message must say why: {message}"
    );
}

#[test]
fn a_released_migration_that_changed_is_refused_loudly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("countersign.db");
    drop(SqliteStorage::open(&path).unwrap());
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute(
            "UPDATE schema_checksums SET sha256 = 'edited' WHERE version = 1",
            [],
        )
        .unwrap();
    }
    let error = SqliteStorage::open(&path).unwrap_err();
    assert!(
        matches!(error, StorageError::MigrationChanged { version: 1, .. }),
        "got {error:?}"
    );
}

#[tokio::test]
async fn usernames_and_team_names_are_unique() {
    let f = fixture().await;
    let again = f
        .storage
        .create_user(user_of(&f.author), crate::fixtures::trail())
        .await
        .unwrap_err();
    assert!(matches!(again, StorageError::AlreadyExists(_)), "{again:?}");
    let team = f
        .storage
        .create_team(
            TeamRecord {
                id: team(),
                name: "Customer Care".into(),
                created_at: t0(),
            },
            crate::fixtures::trail(),
        )
        .await
        .unwrap_err();
    assert!(matches!(team, StorageError::AlreadyExists(_)), "{team:?}");
}

#[tokio::test]
async fn a_totp_step_is_consumed_once_and_only_moving_forward() {
    let f = fixture().await;
    let id = f.reviewer.person.id;
    assert!(
        !f.storage.consume_totp_step(id, 10).await.unwrap(),
        "no secret, nothing to consume"
    );
    let secret = Sensitive::new("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ".to_owned());
    assert!(
        f.storage
            .set_totp_secret(
                id,
                secret.clone(),
                crate::fixtures::t0(),
                crate::fixtures::trail()
            )
            .await
            .unwrap()
    );
    let stored = f.storage.user_by_id(id).await.unwrap().unwrap();
    assert_eq!(stored.totp_secret, Some(secret.clone()));
    let cases = [(10, true), (10, false), (9, false), (11, true)];
    for (step, accepted) in cases {
        assert_eq!(
            f.storage.consume_totp_step(id, step).await.unwrap(),
            accepted,
            "step {step}"
        );
    }
    assert!(
        f.storage
            .set_totp_secret(id, secret, crate::fixtures::t0(), crate::fixtures::trail())
            .await
            .unwrap()
    );
    assert!(
        f.storage.consume_totp_step(id, 5).await.unwrap(),
        "a new enrolment forgets the old secret's steps"
    );
    assert!(
        f.storage
            .clear_totp_secret(id, crate::fixtures::t0(), crate::fixtures::trail())
            .await
            .unwrap()
    );
    let stored = f.storage.user_by_id(id).await.unwrap().unwrap();
    assert_eq!(stored.totp_secret, None);
    let nobody = countersign_core::UserId(Uuid::new_v4());
    assert!(
        !f.storage
            .clear_totp_secret(nobody, crate::fixtures::t0(), crate::fixtures::trail())
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn users_read_back_with_roles_steps_and_teams() {
    let f = fixture().await;
    let user = f.storage.user_by_username("rui").await.unwrap().unwrap();
    assert_eq!(user.actor(), f.reviewer);
    assert!(
        f.storage
            .user_by_username("nobody")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(f.storage.count_users().await.unwrap(), 2);
}

#[tokio::test]
async fn every_draft_write_takes_the_next_change_sequence() {
    let f = fixture().await;
    let (a, b) = (
        draft(f.team, &f.author.person),
        draft(f.team, &f.author.person),
    );
    f.storage
        .insert_drafts(vec![a.clone(), b.clone()], crate::fixtures::trail())
        .await
        .unwrap();
    let page = f
        .storage
        .changes(page_request(&f.reviewer, None, 0))
        .await
        .unwrap();
    let seqs: Vec<u64> = page.rows.iter().map(|r| r.seq).collect();
    let first = seqs[0];
    assert_eq!(seqs, vec![first, first + 1], "one number each, in order");

    let updated = f
        .storage
        .update_draft(
            a.id,
            Box::new(|d| {
                let mut next = d.clone();
                next.body = "changed".into();
                Ok(next)
            }),
            crate::fixtures::trail(),
        )
        .await
        .unwrap();
    assert!(matches!(updated, DraftUpdate::Updated(_)));
    let page = f
        .storage
        .changes(page_request(&f.reviewer, None, first + 1))
        .await
        .unwrap();
    assert_eq!(page.rows.len(), 1);
    assert_eq!((page.rows[0].seq, page.rows[0].draft_id), (first + 2, a.id));
    assert!(page.rows[0].draft_json.contains("changed"));
}

#[tokio::test]
async fn a_refused_change_writes_nothing() {
    let f = fixture().await;
    let a = draft(f.team, &f.author.person);
    f.storage
        .insert_drafts(vec![a.clone()], crate::fixtures::trail())
        .await
        .unwrap();
    let inserted = f
        .storage
        .changes(page_request(&f.reviewer, None, 0))
        .await
        .unwrap()
        .rows[0]
        .seq;
    let refused = f
        .storage
        .update_draft(
            a.id,
            Box::new(|_| Err(Refusal::Invalid("no".into()))),
            crate::fixtures::trail(),
        )
        .await
        .unwrap();
    assert!(matches!(refused, DraftUpdate::Refused { .. }));
    let page = f
        .storage
        .changes(page_request(&f.reviewer, None, inserted))
        .await
        .unwrap();
    assert!(page.rows.is_empty(), "no new change must be recorded");
    let missing = f
        .storage
        .update_draft(
            countersign_core::DraftId(Uuid::nil()),
            Box::new(|d| Ok(d.clone())),
            crate::fixtures::trail(),
        )
        .await
        .unwrap();
    assert!(matches!(missing, DraftUpdate::NotFound));
}

#[tokio::test]
async fn the_feed_is_scoped_paged_and_marks_withdrawals() {
    let f = fixture().await;
    let other_team = team();
    f.storage
        .create_team(
            TeamRecord {
                id: other_team,
                name: "Brand".into(),
                created_at: t0(),
            },
            crate::fixtures::trail(),
        )
        .await
        .unwrap();
    let mut drafts: Vec<_> = (0..5).map(|_| draft(f.team, &f.author.person)).collect();
    drafts.push(draft(other_team, &f.author.person));
    drafts[4].status = DraftStatus::Withdrawn;
    f.storage
        .insert_drafts(drafts.clone(), crate::fixtures::trail())
        .await
        .unwrap();

    let mut request = page_request(&f.reviewer, None, 0);
    request.limit = 3;
    let first = f.storage.changes(request.clone()).await.unwrap();
    assert_eq!(first.rows.len(), 3);
    assert!(first.has_more);
    request.after = first.rows[2].seq;
    let second = f.storage.changes(request).await.unwrap();
    assert_eq!(
        second.rows.len(),
        2,
        "the other team's draft is not in scope"
    );
    assert!(!second.has_more);
    assert!(second.rows[1].removed, "a withdrawn draft is a removal");

    let admin = actor("root", &[Role::Admin], &[], &[]);
    f.storage
        .create_user(user_of(&admin), crate::fixtures::trail())
        .await
        .unwrap();
    let all = f
        .storage
        .changes(ChangesRequest {
            user: user_of(&admin),
            client_id: None,
            after: 0,
            limit: 100,
            now: t0(),
        })
        .await
        .unwrap();
    assert_eq!(all.rows.len(), 6, "administrators see every team");
}

#[tokio::test]
async fn a_push_applies_in_order_and_repeats_first_results() {
    let f = fixture().await;
    let (a, b) = (
        draft(f.team, &f.author.person),
        draft(f.team, &f.author.person),
    );
    f.storage
        .insert_drafts(vec![a.clone(), b.clone()], crate::fixtures::trail())
        .await
        .unwrap();
    let client = ClientId(Uuid::now_v7());
    let batch = PushBatch {
        actor: f.reviewer.clone(),
        client_id: client,
        mutations: vec![
            decide(1, a.id, 1, Verdict::Approve),
            decide(2, b.id, 7, Verdict::Approve),
            decide(4, b.id, 1, Verdict::Approve),
        ],
        now: t0(),
        review: None,
        receipts: None,
        skip: None,
    };
    let results = f
        .storage
        .push(batch.clone(), crate::fixtures::trail())
        .await
        .unwrap()
        .results;
    let statuses: Vec<_> = results.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        vec![
            MutationStatus::Applied,
            MutationStatus::Conflict,
            MutationStatus::Invalid
        ]
    );

    let again = f
        .storage
        .push(batch, crate::fixtures::trail())
        .await
        .unwrap()
        .results;
    assert_eq!(again[0].status, MutationStatus::Duplicate);
    assert_eq!(again[0].first_status, Some(MutationStatus::Applied));
    assert_eq!(again[1].first_status, Some(MutationStatus::Conflict));
    assert_eq!(
        again[2].status,
        MutationStatus::Invalid,
        "an out-of-order mutation was never recorded"
    );

    let page = f
        .storage
        .changes(page_request(&f.reviewer, Some(client), 0))
        .await
        .unwrap();
    assert_eq!(page.last_mutation_id, MutationId(2));
    let approved = f.storage.draft(a.id).await.unwrap().unwrap();
    assert_eq!(approved.status, DraftStatus::Approved);
    assert_eq!(
        approved.history.len(),
        1,
        "the duplicate must not decide twice"
    );
}

#[tokio::test]
async fn a_client_belongs_to_the_first_user_who_uses_it() {
    let f = fixture().await;
    let client = ClientId(Uuid::now_v7());
    f.storage
        .changes(page_request(&f.reviewer, Some(client), 0))
        .await
        .unwrap();
    let stolen = f
        .storage
        .changes(page_request(&f.author, Some(client), 0))
        .await
        .unwrap_err();
    assert!(matches!(stolen, StorageError::ClientTaken(_)), "{stolen:?}");
    let pushed = f
        .storage
        .push(
            PushBatch {
                actor: f.author.clone(),
                client_id: client,
                mutations: vec![],
                now: t0(),
                review: None,
                receipts: None,
                skip: None,
            },
            crate::fixtures::trail(),
        )
        .await
        .unwrap_err();
    assert!(matches!(pushed, StorageError::ClientTaken(_)), "{pushed:?}");
}

#[tokio::test]
async fn disabling_a_user_revokes_their_sessions() {
    use crate::auth::token::TokenHash;
    use crate::storage::{NewSession, SessionTokens};
    let f = fixture().await;
    let tokens = SessionTokens {
        access_hash: TokenHash::of("a"),
        access_expires_at: t0(),
        refresh_hash: TokenHash::of("r"),
        refresh_expires_at: t0() + chrono::Duration::days(1),
    };
    f.storage
        .create_session(
            NewSession {
                id: Uuid::new_v4(),
                user_id: f.reviewer.person.id,
                tokens,
                created_at: t0(),
            },
            crate::fixtures::trail(),
        )
        .await
        .unwrap();
    assert!(
        f.storage
            .disable_user(f.reviewer.person.id, t0(), crate::fixtures::trail())
            .await
            .unwrap()
    );
    let found = f
        .storage
        .session_by_access(&TokenHash::of("a"))
        .await
        .unwrap()
        .unwrap();
    assert!(found.revoked_at.is_some());
    assert!(found.user.disabled_at.is_some());
}

/// A fresh, empty store for the backend-independent suite in `storage::conformance`.
fn empty_store() -> (tempfile::TempDir, SqliteStorage) {
    let dir = tempfile::tempdir().unwrap();
    let storage = SqliteStorage::open(&dir.path().join("countersign.db")).unwrap();
    (dir, storage)
}

mod conformance {
    //! The backend-independent storage suite, run against SQLite.
    use super::empty_store;
    use crate::storage::conformance as suite;

    #[tokio::test]
    async fn every_change_leaves_one_event_naming_who_and_what() {
        let (_dir, storage) = empty_store();
        suite::audit::every_change_leaves_one_event_naming_who_and_what(&storage).await;
    }

    #[tokio::test]
    async fn a_refused_change_leaves_no_event() {
        let (_dir, storage) = empty_store();
        suite::audit::a_refused_change_leaves_no_event(&storage).await;
    }

    #[tokio::test]
    async fn the_chain_links_in_commit_order_and_every_hash_recomputes() {
        let (_dir, storage) = empty_store();
        suite::audit::the_chain_links_in_commit_order_and_every_hash_recomputes(&storage).await;
    }

    #[tokio::test]
    async fn a_push_s_events_follow_its_mutations_in_order() {
        let (_dir, storage) = empty_store();
        suite::audit::a_push_s_events_follow_its_mutations_in_order(&storage).await;
    }

    #[tokio::test]
    async fn final_approvals_enqueue_deliveries_and_every_attempt_is_kept() {
        let (_dir, storage) = empty_store();
        suite::final_approvals_enqueue_deliveries_and_every_attempt_is_kept(&storage).await;
    }

    #[tokio::test]
    async fn removing_a_webhook_fails_its_pending_deliveries() {
        let (_dir, storage) = empty_store();
        suite::removing_a_webhook_fails_its_pending_deliveries(&storage).await;
    }

    #[tokio::test]
    async fn handoffs_are_the_deliveries_of_the_drafts_asked_about() {
        let (_dir, storage) = empty_store();
        suite::handoffs_are_the_deliveries_of_the_drafts_asked_about(&storage).await;
    }

    #[tokio::test]
    async fn drafts_pages_walk_every_draft_once_within_the_filters() {
        let (_dir, storage) = empty_store();
        suite::drafts_pages_walk_every_draft_once_within_the_filters(&storage).await;
    }

    #[tokio::test]
    async fn a_team_taken_away_turns_into_removals_and_given_back_into_arrivals() {
        let (_dir, storage) = empty_store();
        suite::a_team_taken_away_turns_into_removals_and_given_back_into_arrivals(&storage).await;
    }

    #[tokio::test]
    async fn the_directory_comes_with_the_first_page_after_it_changed() {
        let (_dir, storage) = empty_store();
        suite::the_directory_comes_with_the_first_page_after_it_changed(&storage).await;
    }

    #[tokio::test]
    async fn crisis_mode_holds_escalates_and_sends_back_to_review() {
        let (_dir, storage) = empty_store();
        suite::crisis_mode_holds_escalates_and_sends_back_to_review(&storage).await;
    }

    #[tokio::test]
    async fn a_refused_handover_writes_nothing() {
        let (_dir, storage) = empty_store();
        suite::a_refused_handover_writes_nothing(&storage).await;
    }

    #[tokio::test]
    async fn a_handover_disables_revokes_and_moves_the_drafts_at_once() {
        let (_dir, storage) = empty_store();
        suite::a_handover_disables_revokes_and_moves_the_drafts_at_once(&storage).await;
    }

    #[tokio::test]
    async fn the_feed_reads_the_account_in_its_own_snapshot() {
        let (_dir, storage) = empty_store();
        suite::the_feed_reads_the_account_in_its_own_snapshot(&storage).await;
    }

    #[tokio::test]
    async fn a_push_judges_the_account_as_stored_when_it_applies() {
        let (_dir, storage) = empty_store();
        suite::a_push_judges_the_account_as_stored_when_it_applies(&storage).await;
    }

    #[tokio::test]
    async fn policy_packs_count_up_and_the_latest_is_in_force() {
        let (_dir, storage) = empty_store();
        suite::policy_packs_count_up_and_the_latest_is_in_force(&storage).await;
    }

    #[tokio::test]
    async fn routings_default_to_empty_and_round_trip() {
        let (_dir, storage) = empty_store();
        suite::routings_default_to_empty_and_round_trip(&storage).await;
    }

    #[tokio::test]
    async fn replies_are_added_once_and_removed_by_name() {
        let (_dir, storage) = empty_store();
        suite::replies_are_added_once_and_removed_by_name(&storage).await;
    }

    #[tokio::test]
    async fn a_new_pack_or_routing_moves_the_directory() {
        let (_dir, storage) = empty_store();
        suite::a_new_pack_or_routing_moves_the_directory(&storage).await;
    }

    #[tokio::test]
    async fn every_spent_refresh_token_revokes_until_it_would_have_expired() {
        let (_dir, storage) = empty_store();
        suite::every_spent_refresh_token_revokes_until_it_would_have_expired(&storage).await;
    }

    #[tokio::test]
    async fn a_retry_within_the_grace_is_repeated_only_while_its_pair_is_current() {
        let (_dir, storage) = empty_store();
        suite::a_retry_within_the_grace_is_repeated_only_while_its_pair_is_current(&storage).await;
    }

    #[tokio::test]
    async fn a_session_past_its_lifetime_is_expired_and_its_tokens_never_outlive_it() {
        let (_dir, storage) = empty_store();
        suite::a_session_past_its_lifetime_is_expired_and_its_tokens_never_outlive_it(&storage)
            .await;
    }

    #[tokio::test]
    async fn revoking_by_refresh_token_finds_current_and_spent_tokens() {
        let (_dir, storage) = empty_store();
        suite::revoking_by_refresh_token_finds_current_and_spent_tokens(&storage).await;
    }

    #[tokio::test]
    async fn a_push_keeps_no_copy_of_the_draft_and_a_repeat_reads_it_as_it_is_now() {
        let (_dir, storage) = empty_store();
        suite::a_push_keeps_no_copy_of_the_draft_and_a_repeat_reads_it_as_it_is_now(&storage).await;
    }

    #[tokio::test]
    async fn the_feed_keeps_each_page_within_its_byte_budget() {
        let (_dir, storage) = empty_store();
        suite::the_feed_keeps_each_page_within_its_byte_budget(&storage).await;
    }

    #[tokio::test]
    async fn annotations_are_kept_past_the_history_and_marked_once_accepted() {
        let (_dir, storage) = empty_store();
        suite::annotations_are_kept_past_the_history_and_marked_once_accepted(&storage).await;
    }

    #[tokio::test]
    async fn every_stored_draft_keeps_its_history_within_its_cap() {
        let (_dir, storage) = empty_store();
        suite::every_stored_draft_keeps_its_history_within_its_cap(&storage).await;
    }

    #[tokio::test]
    async fn sign_in_failures_are_kept_read_back_cleared_and_forgotten() {
        let (_dir, storage) = empty_store();
        suite::sign_in_failures_are_kept_read_back_cleared_and_forgotten(&storage).await;
    }
}

//! The drafts export's pure parts: versions rebuilt from the history, decisions and
//! comments tied to the right hashes, CSV rows safe in a spreadsheet.

use super::*;
use crate::fixtures::{self, t0};
use chrono::Duration;
use countersign_core::channel::Route;
use countersign_core::{AnnotationId, UserId};
use sha2::{Digest, Sha256};
use uuid::Uuid;

fn person(name: &str) -> Person {
    Person {
        id: UserId(Uuid::now_v7()),
        username: name.into(),
        display_name: name.to_uppercase(),
    }
}

/// Hex SHA-256, computed here rather than by the code under test.
fn sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn no_findings(draft: &Draft) -> ExportedFindings {
    ExportedFindings {
        pack_version: 3,
        version: draft.version,
        items: vec![],
    }
}

fn entry(at_min: i64, by: &Person, version: u64, event: HistoryEvent) -> HistoryEntry {
    HistoryEntry {
        at: t0() + Duration::minutes(at_min),
        by: by.clone(),
        version,
        event,
    }
}

fn decided(verdict: Verdict, step: Option<&str>, comment: &str) -> HistoryEvent {
    HistoryEvent::Decided {
        decision_id: DecisionId(Uuid::now_v7()),
        verdict,
        step: step.map(str::to_owned),
        comment: comment.into(),
        override_reason: None,
        late_secs: None,
    }
}

/// Written by ana, sent back by rui (with a comment), edited twice (routed in between),
/// then approved by rui at version 3.
fn edited_twice_and_approved() -> (Draft, Person, Person) {
    let (ana, rui) = (person("ana"), person("rui"));
    let mut draft = fixtures::draft(fixtures::team(), &ana);
    draft.body = "third".into();
    draft.version = 3;
    draft.status = DraftStatus::Approved;
    let comment = Annotation {
        id: AnnotationId(Uuid::now_v7()),
        draft_id: draft.id,
        draft_version: 1,
        body: "say when".into(),
        suggestion: Some("on Friday".into()),
        target: None,
    };
    let approval = decided(Verdict::Approve, Some("review"), "");
    let HistoryEvent::Decided { decision_id, .. } = &approval else {
        unreachable!("built as a decision")
    };
    draft.approvals = vec![Approval {
        step: "review".into(),
        by: rui.clone(),
        decision_id: *decision_id,
        at: t0() + Duration::minutes(30),
    }];
    draft.history = vec![
        entry(0, &ana, 1, HistoryEvent::Created),
        entry(
            5,
            &rui,
            1,
            decided(Verdict::RequestChanges, None, "too vague"),
        ),
        entry(
            6,
            &rui,
            1,
            HistoryEvent::Annotated {
                annotation: comment,
            },
        ),
        entry(
            10,
            &ana,
            1,
            HistoryEvent::Edited {
                previous_body: "first".into(),
                accepted_suggestion: None,
            },
        ),
        entry(
            10,
            &ana,
            2,
            HistoryEvent::Routed {
                route: Route::Escalated {
                    step: "legal".into(),
                },
            },
        ),
        entry(
            20,
            &ana,
            2,
            HistoryEvent::Edited {
                previous_body: "second".into(),
                accepted_suggestion: None,
            },
        ),
        entry(30, &rui, 3, approval),
    ];
    (draft, ana, rui)
}

#[test]
fn every_version_is_rebuilt_with_its_hash_and_every_decision_names_the_text_it_was_about() {
    let (draft, ana, rui) = edited_twice_and_approved();
    let out = exported(&draft, no_findings(&draft), vec![], &Names::default());
    let bodies: Vec<(u64, &str, &str)> = out
        .versions
        .iter()
        .map(|v| (v.version, v.body.as_str(), v.content_sha256.as_str()))
        .collect();
    let (h1, h2, h3) = (sha256("first"), sha256("second"), sha256("third"));
    assert_eq!(
        bodies,
        vec![(1, "first", &*h1), (2, "second", &*h2), (3, "third", &*h3)],
        "each version's own text and its SHA-256"
    );
    assert_eq!(out.versions[0].origin, VersionOrigin::Created);
    assert_eq!(out.versions[0].written_by.as_ref(), Some(&ana));
    assert_eq!(out.versions[0].written_at, Some(draft.created_at));
    assert_eq!(out.versions[1].origin, VersionOrigin::Edited);
    assert_eq!(
        out.versions[2].written_at,
        Some(t0() + Duration::minutes(20)),
        "version 3 was written by the second edit"
    );
    let decisions: Vec<(u64, Verdict, Option<&str>)> = out
        .decisions
        .iter()
        .map(|d| (d.version, d.verdict, d.content_sha256.as_deref()))
        .collect();
    assert_eq!(
        decisions,
        vec![
            (1, Verdict::RequestChanges, Some(&*h1)),
            (3, Verdict::Approve, Some(&*h3))
        ]
    );
    assert_eq!(out.decisions[0].comment, "too vague");
    assert_eq!(out.comments.len(), 1);
    assert_eq!(out.comments[0].content_sha256.as_deref(), Some(&*h1));
    assert_eq!(out.comments[0].annotation.body, "say when");
    let events: Vec<&HistoryEvent> = out.events.iter().map(|e| &e.event).collect();
    assert!(
        matches!(
            events.as_slice(),
            [HistoryEvent::Created, HistoryEvent::Routed { .. }]
        ),
        "creation and routing are kept as events, decisions, comments and edits are not: \
         {events:?}"
    );
    let approved = out.approved.expect("an approved draft says who approved");
    assert_eq!((approved.version, approved.content_sha256), (3, h3));
    assert_eq!(approved.approvals[0].by, rui);
    assert_eq!(out.history_summarised, None);
    assert_eq!(out.published, None);
}

#[test]
fn a_crisis_ending_makes_a_version_with_the_same_text() {
    let ana = person("ana");
    let admin = person("root");
    let mut draft = fixtures::draft(fixtures::team(), &ana);
    draft.version = 2;
    draft.history = vec![
        entry(0, &ana, 1, HistoryEvent::Created),
        entry(
            5,
            &admin,
            1,
            HistoryEvent::Held {
                reason: "fire".into(),
            },
        ),
        entry(9, &admin, 1, HistoryEvent::ReturnedToReview),
    ];
    let out = exported(&draft, no_findings(&draft), vec![], &Names::default());
    let origins: Vec<(u64, VersionOrigin)> =
        out.versions.iter().map(|v| (v.version, v.origin)).collect();
    assert_eq!(
        origins,
        vec![
            (1, VersionOrigin::Created),
            (2, VersionOrigin::ReturnedToReview)
        ]
    );
    assert_eq!(
        out.versions[0].content_sha256, out.versions[1].content_sha256,
        "the text did not change"
    );
    assert_eq!(out.versions[1].written_by, Some(admin));
    assert_eq!(
        out.approved, None,
        "pending again: nobody approved this version"
    );
}

#[test]
fn a_folded_history_starts_the_versions_where_the_kept_history_proves_them() {
    let (ana, rui) = (person("ana"), person("rui"));
    let mut draft = fixtures::draft(fixtures::team(), &ana);
    draft.version = 6;
    draft.body = "sixth".into();
    draft.history = vec![
        entry(
            0,
            &ana,
            1,
            HistoryEvent::Summarised {
                entries: 400,
                editors: vec![ana.clone()],
                until: t0() + Duration::minutes(40),
            },
        ),
        // The latest route outlives the cap and sits before the kept entries, older than
        // them: it must not make versions 2 to 4 look provable.
        entry(
            1,
            &ana,
            2,
            HistoryEvent::Routed {
                route: Route::FastLane,
            },
        ),
        entry(50, &rui, 5, decided(Verdict::RequestChanges, None, "again")),
        entry(
            55,
            &ana,
            5,
            HistoryEvent::Edited {
                previous_body: "fifth".into(),
                accepted_suggestion: None,
            },
        ),
    ];
    let out = exported(&draft, no_findings(&draft), vec![], &Names::default());
    let versions: Vec<(u64, &str, VersionOrigin)> = out
        .versions
        .iter()
        .map(|v| (v.version, v.body.as_str(), v.origin))
        .collect();
    assert_eq!(
        versions,
        vec![
            (5, "fifth", VersionOrigin::Unrecorded),
            (6, "sixth", VersionOrigin::Edited)
        ]
    );
    let summary = out.history_summarised.expect("the fold is reported");
    assert_eq!((summary.entries, summary.editors), (400, vec![ana]));
    assert_eq!(out.decisions[0].content_sha256, Some(sha256("fifth")));
}

#[test]
fn a_published_draft_says_when_and_by_whom() {
    let (draft, ..) = edited_twice_and_approved();
    let mut draft = draft;
    let tool = person("publisher");
    draft.status = DraftStatus::Published;
    let out_at = t0() + Duration::minutes(44);
    draft.history.push(entry(
        45,
        &tool,
        3,
        HistoryEvent::Published {
            url: Some("https://x.com/care/status/1".into()),
            published_at: Some(out_at),
        },
    ));
    let out = exported(&draft, no_findings(&draft), vec![], &Names::default());
    let published = out.published.expect("published");
    assert_eq!(published.by, Some(tool));
    assert_eq!(published.published_at, Some(out_at));
    assert_eq!(published.at, Some(t0() + Duration::minutes(45)));
    assert!(
        out.approved.is_some(),
        "a published draft still says who approved it"
    );
}

#[test]
fn cells_a_spreadsheet_would_run_are_quoted_and_everything_else_is_left_alone() {
    for hostile in [
        "=cmd|' /C calc'!A0",
        "+1+1",
        "-2+3",
        "@SUM(A1)",
        "\t=1",
        "\r=1",
    ] {
        assert_eq!(spreadsheet_safe(hostile), format!("'{hostile}"));
    }
    for plain in ["Hello", "2026-12-03T09:00:00.000000Z", "", "a=b", "'quoted"] {
        assert_eq!(spreadsheet_safe(plain), plain);
    }
}

#[test]
fn csv_rows_are_one_per_version_and_read_back_exactly_after_the_formula_quote() {
    let (mut draft, ..) = edited_twice_and_approved();
    let hostile = "=HYPERLINK(\"http://evil.example\",\"click\")\nline two, \"quoted\"";
    draft.body = hostile.into();
    let mut findings = no_findings(&draft);
    findings.items.push(Finding {
        rule: "network.markup".into(),
        category: countersign_core::finding::Category::Network,
        severity: countersign_core::finding::Severity::Warn,
        span: None,
        message: "HTML in the text".into(),
        reason: "networks show it as typed".into(),
    });
    let out = exported(&draft, findings, vec![], &Names::default());
    let bytes =
        csv_bytes(std::iter::once(CSV_COLUMNS.map(str::to_owned)).chain(csv_rows(&out))).unwrap();
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(headers.iter().collect::<Vec<_>>(), CSV_COLUMNS);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3, "one row per version");
    let column = |name: &str| CSV_COLUMNS.iter().position(|c| *c == name).unwrap();
    let current = &rows[2];
    assert_eq!(
        &current[column("body")],
        format!("'{hostile}"),
        "newlines, commas and quotes survive; the formula is defused"
    );
    assert_eq!(&current[column("content_sha256")], sha256(hostile));
    assert_eq!(&current[column("current")], "yes");
    assert!(current[column("approved_by")].contains("rui (review)"));
    assert_eq!(
        &current[column("findings")],
        "pack v3: network.markup (warn)"
    );
    assert_eq!(
        &rows[0][column("findings")],
        "",
        "findings are of the current version only"
    );
    assert!(
        rows[0][column("decisions")].contains("rui request_changes: too vague"),
        "{:?}",
        &rows[0][column("decisions")]
    );
    assert!(
        rows[0][column("comments")].contains("rui: say when (suggests: on Friday)"),
        "{:?}",
        &rows[0][column("comments")]
    );
    assert_eq!(
        &rows[0][column("approved_by")],
        "",
        "version 1 was not approved"
    );
}

#[test]
fn bounds_read_dates_as_whole_days_and_times_as_given() {
    let day = parse_bound("2026-12-01", false).unwrap();
    assert_eq!(crate::clock::to_text(day), "2026-12-01T00:00:00.000000Z");
    let end = parse_bound("2026-12-31", true).unwrap();
    assert_eq!(
        crate::clock::to_text(end),
        "2027-01-01T00:00:00.000000Z",
        "--to a date includes all of that day"
    );
    let at = parse_bound("2026-12-01T09:30:00+01:00", true).unwrap();
    assert_eq!(crate::clock::to_text(at), "2026-12-01T08:30:00.000000Z");
    assert!(matches!(
        parse_bound("yesterday", false),
        Err(ServerError::Invalid(_))
    ));
}

/// A server on a temporary directory whose clock stands at `t0()`, with `count` drafts of
/// one author on one channel.
async fn server_with_drafts(count: usize) -> (tempfile::TempDir, Server) {
    use countersign_core::wire::admin::NewChannel;
    let dir = tempfile::tempdir().unwrap();
    let mut config = crate::ServerConfig::new(dir.path());
    config.clock = crate::Clock::fixed(t0());
    let server = crate::open(config).await.unwrap();
    let trail = Trail::console();
    let team = admin::create_team(&server, &trail, "Care").await.unwrap();
    let channel = admin::add_channel(
        &server,
        &trail,
        NewChannel {
            name: Some("care-x".into()),
            network: Network::X,
            account: "@care_example".into(),
            team: "Care".into(),
            policy: vec![],
        },
    )
    .await
    .unwrap();
    // A reviewer too: a channel whose step nobody can take accepts no drafts.
    let mut ids = vec![];
    for (username, role, steps) in [
        ("ana", countersign_core::Role::Author, vec![]),
        (
            "rui",
            countersign_core::Role::Reviewer,
            vec!["review".to_owned()],
        ),
    ] {
        let user = admin::NewUser {
            username: username.into(),
            display_name: username.to_uppercase(),
            password: countersign_core::Sensitive::new("a long enough password".into()),
            roles: vec![role],
            steps,
            teams: vec![team],
        };
        ids.push(admin::add_user(&server, &trail, user).await.unwrap());
    }
    let author = ids[0];
    for i in 0..count {
        let draft = countersign_core::wire::NewDraft {
            team: None,
            network: channel.network,
            channel: channel.account.clone(),
            body: format!("Reply {i}"),
            urgency: Urgency::Normal,
            scheduled_at: None,
            required_steps: None,
            in_reply_to: None,
            media: vec![],
        };
        admin::create_draft(&server, &trail, author, draft)
            .await
            .unwrap();
    }
    (dir, server)
}

/// Every chunk of an export, concatenated.
async fn drain(exporter: &mut Exporter) -> Vec<u8> {
    let mut out = vec![];
    while let Some(chunk) = exporter.next_chunk().await.unwrap() {
        out.extend(chunk);
    }
    out
}

#[tokio::test]
async fn an_export_pages_through_every_draft_and_is_recorded_in_the_audit_log() {
    let (_dir, server) = server_with_drafts(PAGE + 3).await;
    let filter = ExportFilter {
        channel: Some("care-x".into()),
        ..ExportFilter::default()
    };
    let mut exporter = Exporter::start(&server, filter, ExportFormat::Json, Trail::console())
        .await
        .unwrap();
    let json: Vec<serde_json::Value> = serde_json::from_slice(&drain(&mut exporter).await)
        .expect("the chunks make one JSON array");
    assert_eq!(json.len(), PAGE + 3);
    assert_eq!(exporter.exported(), (PAGE + 3) as u64);
    let ids: Vec<&str> = json.iter().map(|d| d["id"].as_str().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted, ids, "in id order, none twice");

    let events = server
        .storage()
        .audit_events(crate::storage::AuditQuery {
            limit: 1_000,
            ..Default::default()
        })
        .await
        .unwrap();
    let recorded: Vec<_> = events
        .iter()
        .filter(|e| e.kind == kinds::DRAFTS_EXPORTED)
        .collect();
    assert_eq!(recorded.len(), 1, "one event per export");
    let event = recorded[0];
    assert_eq!(event.via, countersign_audit::Via::Cli);
    assert_eq!(
        event.actor.as_ref().map(|a| a.username.as_str()),
        Some(crate::directory::console_operator().username.as_str())
    );
    assert_eq!(event.detail["format"], "json");
    assert_eq!(event.detail["channel"], "care-x");
    assert_eq!(event.detail["pack_version"], 0);
}

#[tokio::test]
async fn an_empty_export_is_an_empty_array_or_just_the_csv_header() {
    let (_dir, server) = server_with_drafts(0).await;
    let mut json = Exporter::start(
        &server,
        ExportFilter::default(),
        ExportFormat::Json,
        Trail::console(),
    )
    .await
    .unwrap();
    let body = drain(&mut json).await;
    assert_eq!(
        serde_json::from_slice::<Vec<serde_json::Value>>(&body).unwrap(),
        Vec::<serde_json::Value>::new()
    );
    let mut csv = Exporter::start(
        &server,
        ExportFilter::default(),
        ExportFormat::Csv,
        Trail::console(),
    )
    .await
    .unwrap();
    let body = String::from_utf8(drain(&mut csv).await).unwrap();
    assert_eq!(body.trim_end(), CSV_COLUMNS.join(","));
}

#[tokio::test]
async fn an_unknown_team_or_channel_or_a_backwards_window_records_nothing() {
    let (_dir, server) = server_with_drafts(1).await;
    for filter in [
        ExportFilter {
            team: Some("Nobody".into()),
            ..ExportFilter::default()
        },
        ExportFilter {
            channel: Some("nowhere".into()),
            ..ExportFilter::default()
        },
        ExportFilter {
            from: Some(t0()),
            to: Some(t0() - Duration::days(1)),
            ..ExportFilter::default()
        },
    ] {
        assert!(
            Exporter::start(
                &server,
                filter.clone(),
                ExportFormat::Json,
                Trail::console()
            )
            .await
            .is_err(),
            "{filter:?} is refused"
        );
    }
    let head = server.storage().audit_events(crate::storage::AuditQuery {
        limit: 1_000,
        ..Default::default()
    });
    assert!(
        !head
            .await
            .unwrap()
            .iter()
            .any(|e| e.kind == kinds::DRAFTS_EXPORTED),
        "a refused export is not an export"
    );
}

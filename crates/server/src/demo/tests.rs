use super::*;
use crate::storage::ChangesRequest;
use crate::{ServerConfig, open};
use countersign_core::channel::Route;
use countersign_core::finding::{Finding, Severity};
use countersign_core::{DraftStatus, HistoryEvent, Network, Urgency};

fn all_samples() -> Vec<Sample> {
    customer_care::samples()
        .into_iter()
        .chain(brand::samples())
        .collect()
}

async fn seeded() -> (tempfile::TempDir, Server, Vec<Draft>) {
    let dir = tempfile::tempdir().unwrap();
    let server = open(ServerConfig::new(dir.path())).await.unwrap();
    let credentials = seed(&server, crate::fixtures::t0()).await.unwrap();
    assert!(credentials.created);
    let drafts = stored(&server).await;
    (dir, server, drafts)
}

async fn stored(server: &Server) -> Vec<Draft> {
    let admin = crate::admin::user_named(server, "admin").await.unwrap();
    let page = server
        .storage()
        .changes(ChangesRequest {
            user: admin,
            client_id: None,
            after: 0,
            limit: 10_000,
            now: crate::fixtures::t0(),
        })
        .await
        .unwrap();
    page.rows
        .iter()
        .map(|r| serde_json::from_str(&r.draft_json).unwrap())
        .collect()
}

#[test]
fn the_catalogue_covers_every_network_urgency_and_kind_of_breach() {
    let samples = all_samples();
    assert!(samples.len() >= 60, "only {} samples", samples.len());
    for network in Network::ALL {
        assert!(
            samples.iter().filter(|s| s.network == network).count() >= 3,
            "{network:?} needs a few drafts"
        );
    }
    for urgency in [Urgency::Normal, Urgency::Urgent, Urgency::Crisis] {
        assert!(samples.iter().any(|s| s.urgency == urgency), "{urgency:?}");
    }
    assert!(samples.iter().filter(|s| s.reply_to.is_some()).count() >= 20);
    assert!(samples.iter().filter(|s| s.breaks.is_some()).count() >= 12);
    assert!(
        samples
            .iter()
            .any(|s| s.media.iter().any(|m| m.alt_text.is_none()))
    );
    assert!(samples.iter().any(|s| s.steps == sample::REVIEW_LEGAL));
    assert!(samples.iter().any(|s| s.body.contains("<script>")));
    let authors: std::collections::HashSet<_> = samples.iter().map(|s| s.author).collect();
    assert!(authors.len() >= 5, "vary the authors");
}

#[test]
fn only_the_drafts_meant_to_be_too_long_are_too_long() {
    for s in all_samples() {
        let chars = s.body.chars().count();
        let too_long = chars > s.network.length_limit();
        let meant = s.breaks.is_some_and(|b| b.contains("over-length"));
        assert_eq!(
            too_long, meant,
            "{} chars on {:?}: {}",
            chars, s.network, s.body
        );
    }
}

#[test]
fn bodies_are_tidy_prose() {
    for s in all_samples() {
        assert!(!s.body.contains("  "), "double space in: {}", s.body);
        assert_eq!(s.body.trim(), s.body);
    }
}

#[tokio::test]
async fn seeding_stores_every_sample_with_its_history() {
    let (_dir, _server, drafts) = seeded().await;
    assert_eq!(drafts.len(), all_samples().len());
    let awaiting_legal = drafts
        .iter()
        .filter(|d| d.approvals.len() == 1 && d.next_step() == Some("legal"))
        .count();
    assert!(
        awaiting_legal >= 2,
        "some drafts passed review and wait for legal"
    );
    let revised: Vec<_> = drafts.iter().filter(|d| d.version == 2).collect();
    assert!(
        revised.len() >= 2,
        "some drafts were sent back and rewritten"
    );
    let approved: Vec<_> = drafts
        .iter()
        .filter(|d| d.status != DraftStatus::Pending)
        .collect();
    assert!(
        approved.len() == 1 && approved[0].pre_approved_reply() == Some("late-delivery"),
        "the demo queue is all pending but for the pre-approved reply, approved without review"
    );
    assert!(
        drafts
            .windows(2)
            .all(|w| w[0].created_at <= w[1].created_at),
        "the feed is in writing order"
    );
}

#[tokio::test]
async fn seeding_twice_changes_nothing() {
    let (_dir, server, drafts) = seeded().await;
    let again = seed(&server, crate::fixtures::t0()).await.unwrap();
    assert!(!again.created);
    assert_eq!(again.password, DEMO_PASSWORD);
    assert_eq!(stored(&server).await.len(), drafts.len());
}

#[tokio::test]
async fn bulk_drafts_go_to_a_team_with_authors_quickly() {
    let (_dir, server, drafts) = seeded().await;
    let started = std::time::Instant::now();
    let ids = bulk_drafts(&server, 2000, 200).await.unwrap();
    let elapsed = started.elapsed();
    assert_eq!(ids.len(), 2000);
    let all = stored(&server).await;
    assert_eq!(all.len(), drafts.len() + 2000);
    let last = all.last().unwrap();
    assert_eq!(last.id, ids[1999], "ids come back in feed order");
    let json_len = serde_json::to_string(last).unwrap().len();
    assert!(
        (800..=1000).contains(&json_len),
        "a bulk draft with a 200-character body is about 900 bytes, got {json_len}"
    );
    assert!(
        elapsed < std::time::Duration::from_secs(5),
        "2000 drafts took {elapsed:?}"
    );
}

#[tokio::test]
async fn bulk_drafts_need_an_author() {
    let dir = tempfile::tempdir().unwrap();
    let server = open(ServerConfig::new(dir.path())).await.unwrap();
    assert!(matches!(
        bulk_drafts(&server, 1, 10).await,
        Err(ServerError::Invalid(_))
    ));
}

/// Each sample with what the guard finds in it as the seeded server reviews a new draft:
/// the demo pack laid over the built-in one, the sample's channel, its author's standing.
async fn reviewed_samples(server: &Server) -> Vec<(Sample, Vec<Finding>)> {
    let review = Review::load(server).await.unwrap();
    let channels = admin::list_channels(server).await.unwrap();
    let mut reviewed = vec![];
    for sample in all_samples() {
        let channel = channels
            .iter()
            .find(|c| c.network == sample.network && c.account == sample.channel)
            .unwrap_or_else(|| panic!("no channel {}", sample.channel));
        let author = admin::user_named(server, sample.author).await.unwrap();
        let findings = review.findings_of(&Written {
            body: sample.body,
            network: sample.network,
            media: &sample.media,
            channel: Some(channel.id),
            author: author.id,
            urgency: sample.urgency,
        });
        reviewed.push((sample, findings));
    }
    reviewed
}

#[tokio::test]
#[allow(
    clippy::print_stdout,
    reason = "the list of what the guard makes of each breaking sample is the report"
)]
async fn every_sample_written_to_break_the_policy_is_flagged_by_the_guard() {
    let (_dir, server, _) = seeded().await;
    let pack = admin::policy_pack(&server).await.unwrap();
    assert_eq!(
        (pack.effective.name.as_str(), pack.effective.version),
        ("Hartwell & Lane", 1),
        "the demo's pack is in force over the built-in one"
    );
    let mut missed = vec![];
    for (sample, findings) in reviewed_samples(&server).await {
        let Some(breaks) = sample.breaks else {
            continue;
        };
        let flagged: Vec<String> = findings
            .iter()
            .filter(|f| f.severity >= Severity::Warn)
            .map(|f| format!("{} ({})", f.rule, f.severity.as_str()))
            .collect();
        // Printed for every breaking sample (`--no-capture`), so a run shows what the guard
        // makes of each.
        println!(
            "{:<7} {:?} {}: {breaks}: [{}]",
            if flagged.is_empty() {
                "MISSED"
            } else {
                "flagged"
            },
            sample.network,
            sample.channel,
            flagged.join(", ")
        );
        if flagged.is_empty() {
            missed.push(format!(
                "{:?} {} ({breaks}): {:?}",
                sample.network, sample.channel, sample.body
            ));
        }
    }
    assert!(
        missed.is_empty(),
        "{} of the demo's drafts written to break the policy pass the guard with no warning:\n  {}",
        missed.len(),
        missed.join("\n  ")
    );
}

#[tokio::test]
async fn seeded_drafts_with_a_blocking_finding_go_past_legal() {
    let (_dir, server, drafts) = seeded().await;
    let review = Review::load(&server).await.unwrap();
    let channels = admin::list_channels(&server).await.unwrap();
    let samples = all_samples();
    let mut escalated = 0;
    for draft in &drafts {
        let channel = channels
            .iter()
            .find(|c| Some(c.id) == draft.channel_id)
            .unwrap();
        // A revised draft's sample is the text it was first written with.
        let first_body = draft
            .history
            .iter()
            .find_map(|h| match &h.event {
                HistoryEvent::Edited { previous_body, .. } => Some(previous_body.as_str()),
                _ => None,
            })
            .unwrap_or(&draft.body);
        let sample = samples
            .iter()
            .find(|s| s.body == first_body)
            .unwrap_or_else(|| panic!("no sample was written as {first_body:?}"));
        let routes: Vec<&Route> = draft
            .history
            .iter()
            .filter(|h| h.version == draft.version)
            .filter_map(|h| match &h.event {
                HistoryEvent::Routed { route } => Some(route),
                _ => None,
            })
            .collect();
        // A network's own limits block approval but call for the author, not legal.
        let blocking: Vec<String> = review
            .findings(draft)
            .into_iter()
            .filter(|f| f.blocks() && f.category != countersign_core::Category::Network)
            .map(|f| f.rule)
            .collect();
        let asked_by_policy_or_author =
            channel.policy.iter().any(|r| r.step == "legal") || sample.steps.contains(&"legal");
        if blocking.is_empty() {
            assert!(
                !routes.iter().any(|r| matches!(r, Route::Escalated { .. })),
                "nothing blocks {:?}, so nothing is added: {routes:?}",
                draft.body
            );
            continue;
        }
        assert!(
            draft.step_names().contains(&"legal"),
            "{blocking:?} in {:?}: the General Counsel must see it, steps {:?}",
            draft.body,
            draft.step_names()
        );
        if asked_by_policy_or_author {
            assert!(
                routes.is_empty(),
                "legal was asked for already, so routing added nothing to {:?}: {routes:?}",
                draft.body
            );
        } else {
            assert_eq!(
                routes,
                [&Route::Escalated {
                    step: "legal".into()
                }],
                "{blocking:?} in {:?} on {}: the escalation is recorded",
                draft.body,
                channel.name
            );
            escalated += 1;
        }
    }
    assert!(
        escalated >= 5,
        "most of the demo's breaches are on channels without legal: only {escalated} escalated"
    );
}

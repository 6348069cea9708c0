use super::*;
use crate::storage::ChangesRequest;
use crate::{ServerConfig, open};
use countersign_core::{DraftStatus, Network, Urgency};

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

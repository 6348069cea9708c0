//! Many plausible drafts at once, for benchmarks: built in memory and inserted in one
//! transaction, without HTTP and without hashing anything.

use crate::error::ServerError;
use crate::trail::Trail;
use crate::{Server, admin, drafts};
use countersign_core::approval::Actor;
use countersign_core::wire::NewDraft;
use countersign_core::wire::admin::NewChannel;
use countersign_core::{DraftId, InReplyTo, Network, Role, Urgency};

const PHRASES: &[&str] = &[
    "Thanks for getting in touch, and sorry for the trouble.",
    "Your order left our Wakefield hub this morning and should be with you by Thursday.",
    "Our pharmacists are happy to help you choose the right product, no appointment needed.",
    "Click & Collect orders are usually ready within two hours.",
    "You can return it to any store within 28 days for a full refund.",
    "Lane Rewards points can take up to 48 hours to appear.",
    "New in stores and online now, with free delivery on orders over £30.",
    "DM us your order number and we'll look into it straight away.",
    "The team at your local store will be glad to sort it out.",
    "We've passed your kind words on to the whole team.",
];

const CUSTOMERS: &[(&str, &str)] = &[
    ("@gazza_1987", "Still waiting for my order, any news?"),
    (
        "@lucyinleeds.bsky.social",
        "Is the Briggate store open late on Thursdays?",
    ),
    (
        "@paulinefromhull",
        "Can I order my repeat prescription in the app?",
    ),
    ("Tracey Holt", "My refund still hasn't come through."),
];

/// Inserts `n` pending drafts with bodies of about `body_len` characters (each stored draft
/// is then roughly `body_len + 700` bytes of JSON: ids, author, times, a history entry) and returns their ids, in feed order.
///
/// The drafts go to the first team (by name) that has an author, spread over that team's
/// authors, all seven networks (channels `@hartwell_<network>`, added with one `review`
/// step when missing), normal and urgent urgency, so any reviewer of that team can approve
/// every one of them. Fails with [`ServerError::Invalid`] when no team has an author (add
/// one, or run [`super::seed`]) or nobody in it can review.
pub async fn bulk_drafts(
    server: &Server,
    n: usize,
    body_len: usize,
) -> Result<Vec<DraftId>, ServerError> {
    let teams = server.storage().teams().await?;
    let users = server.storage().users().await?;
    let is_author = |u: &&crate::storage::UserRecord| {
        u.roles.contains(&Role::Author) && u.disabled_at.is_none()
    };
    let Some((team, authors)) = teams.iter().find_map(|team| {
        let authors: Vec<Actor> = users
            .iter()
            .filter(is_author)
            .filter(|u| u.teams.contains(&team.id))
            .map(|u| u.actor())
            .collect();
        (!authors.is_empty()).then_some((team.id, authors))
    }) else {
        return Err(ServerError::Invalid(
            "no team has an author yet: add one (or seed the demo) first".into(),
        ));
    };
    let team_name = teams
        .iter()
        .find(|t| t.id == team)
        .map_or_else(String::new, |t| t.name.clone());
    let mut rules = Vec::with_capacity(Network::ALL.len());
    for network in Network::ALL {
        let account = format!("@hartwell_{}", network.as_str());
        let channel = match drafts::channel_for(server, network, &account).await {
            Ok(channel) => channel,
            Err(_) => {
                admin::add_channel(
                    server,
                    &Trail::server(),
                    NewChannel {
                        name: None,
                        network,
                        account,
                        team: team_name.clone(),
                        policy: vec![],
                    },
                )
                .await?
            }
        };
        rules.push(drafts::rules_for(server, &channel).await?);
    }
    let now = server.now();
    let drafts = tokio::task::spawn_blocking(move || {
        (0..n)
            .map(|i| {
                // Written one every 30 seconds up to now, as a real backlog is: ids
                // (UUIDv7) and the changes feed then follow creation order.
                let written = now - chrono::Duration::seconds(30 * (n - i) as i64);
                let network_index = i % Network::ALL.len();
                let network = Network::ALL[network_index];
                let reply = (i % 3 == 0).then(|| {
                    let (author, text) = CUSTOMERS[i % CUSTOMERS.len()];
                    InReplyTo {
                        author: author.to_owned(),
                        text: text.to_owned(),
                        url: None,
                    }
                });
                let request = NewDraft {
                    team: None,
                    network,
                    channel: format!("@hartwell_{}", network.as_str()),
                    body: body(i, body_len),
                    urgency: if i % 10 == 0 {
                        Urgency::Urgent
                    } else {
                        Urgency::Normal
                    },
                    scheduled_at: Some(now + chrono::Duration::minutes(20 + (i % 5000) as i64)),
                    required_steps: None,
                    in_reply_to: reply,
                    media: vec![],
                };
                drafts::build(
                    &authors[i % authors.len()],
                    &rules[network_index],
                    request,
                    drafts::new_id(written),
                    written,
                    &countersign_core::channel::Risk::Findings,
                )
            })
            .collect::<Result<Vec<_>, ServerError>>()
    })
    .await??;
    let ids = drafts.iter().map(|d| d.id).collect();
    server
        .storage()
        .insert_drafts(drafts, Trail::server())
        .await?;
    Ok(ids)
}

/// About `len` characters of plausible text, different for neighbouring `i`.
fn body(i: usize, len: usize) -> String {
    let mut text = format!("#{i} ");
    let mut k = i;
    while text.chars().count() < len.max(1) {
        text.push_str(PHRASES[k % PHRASES.len()]);
        text.push(' ');
        k += 3;
    }
    text.chars()
        .take(len.max(1))
        .collect::<String>()
        .trim_end()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::body;

    #[test]
    fn bodies_have_the_asked_length_and_differ() {
        let len = body(1, 200).chars().count();
        assert!((199..=200).contains(&len), "{len}");
        assert_ne!(body(1, 200), body(2, 200));
        assert!(!body(0, 0).is_empty(), "a draft always has some text");
    }
}

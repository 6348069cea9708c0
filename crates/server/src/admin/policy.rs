//! The policy guard's settings: the organisation's policy pack, channel routing, and the
//! library of pre-approved replies.

use crate::Server;
use crate::admin::channels::channel_named;
use crate::error::ServerError;
use crate::policy::{effective_pack, guard};
use crate::storage::StoredPack;
use crate::trail::Trail;
use countersign_core::Network;
use countersign_core::channel::Routing;
use countersign_core::finding::Severity;
use countersign_core::wire::{NewReply, Reply};
use countersign_policy::replies::Template;
use countersign_policy::{Guard, Pack, Subject};

/// The pack in force: the organisation's layer as an administrator wrote it (if any) and
/// the effective pack (the built-in one with that layer over it) that drafts are reviewed
/// with.
#[derive(Clone, Debug)]
pub struct PolicyView {
    /// The organisation's layer as set, if one was.
    pub stored: Option<StoredPack>,
    /// What drafts are reviewed with.
    pub effective: Pack,
}

/// Checks an organisation's pack (`source`, TOML) against the built-in one and stores it as
/// the next version. Nothing is stored when it cannot be used: the error says why.
pub async fn set_policy_pack(
    server: &Server,
    trail: &Trail,
    source: String,
) -> Result<PolicyView, ServerError> {
    let invalid = |e: countersign_policy::PackError| ServerError::Invalid(e.to_string());
    let organisation = Pack::from_toml(&source).map_err(invalid)?;
    let effective = Pack::builtin().layered(&organisation).map_err(invalid)?;
    // Compiling is the last check: a pattern that does not build is refused now, not at
    // the first draft.
    Guard::new(effective).map_err(invalid)?;
    server
        .storage()
        .set_policy_pack(source, trail.person(), server.now(), trail.clone())
        .await?;
    policy_pack(server).await
}

/// The pack in force.
pub async fn policy_pack(server: &Server) -> Result<PolicyView, ServerError> {
    let stored = server.storage().policy_pack().await?;
    let effective = effective_pack(stored.as_ref())
        .map_err(|e| ServerError::Policy(format!("the stored policy pack cannot be used: {e}")))?;
    Ok(PolicyView { stored, effective })
}

/// Sets what `channel` does with the guard's verdict. Drafts already written keep their
/// steps; new drafts and edits are routed by the new rules.
pub async fn set_channel_routing(
    server: &Server,
    trail: &Trail,
    channel: &str,
    routing: Routing,
) -> Result<Routing, ServerError> {
    routing
        .check()
        .map_err(|e| ServerError::Invalid(e.to_string()))?;
    let found = channel_named(server, channel).await?;
    // A step nobody in the team can take would make every draft routed to it unwritable.
    let rules = crate::drafts::rules_for(server, &found).await?;
    let steps = routing
        .on_block
        .iter()
        .chain(routing.fast_lane.iter().flatten());
    for step in steps {
        if !rules.deciders.iter().any(|d| d.may_take_step(&step.step)) {
            return Err(ServerError::Invalid(format!(
                "nobody in {} may take the step {:?}; give someone the step first \
                 (`countersign-server user step add`)",
                rules.team_name, step.step
            )));
        }
    }
    server
        .storage()
        .set_channel_routing(found.id, routing.clone(), server.now(), trail.clone())
        .await?;
    Ok(routing)
}

/// What each channel does with the guard's verdict, by channel id (a channel not listed
/// routes nothing).
pub async fn channel_routings(
    server: &Server,
) -> Result<Vec<(countersign_core::ChannelId, Routing)>, ServerError> {
    Ok(server.storage().routings().await?)
}

/// Adds a pre-approved reply. Its text must parse as a template and, with its slots left
/// empty, have no findings worth a warning: the library approves text once for everyone.
pub async fn add_reply(
    server: &Server,
    trail: &Trail,
    new: NewReply,
) -> Result<Reply, ServerError> {
    let name = new.name.trim().to_owned();
    if name.is_empty() || name.chars().any(char::is_whitespace) {
        return Err(ServerError::Invalid(
            "a reply's name is one word, like late-delivery".into(),
        ));
    }
    let text = new.text.trim().to_owned();
    let template = Template::parse(&text).map_err(|e| ServerError::Invalid(e.to_string()))?;
    let guard = guard(server).await?;
    let mut unfilled = text.clone();
    for slot in template.slots() {
        unfilled = unfilled.replace(&format!("{{{slot}}}"), "");
    }
    let findings: Vec<_> = Network::ALL
        .iter()
        .flat_map(|n| guard.review(&Subject::text(&unfilled, *n)))
        .filter(|f| f.severity > Severity::Info && f.rule != "network.length")
        .collect();
    if let Some(f) = findings.first() {
        return Err(ServerError::Invalid(format!(
            "the policy guard finds something in this reply ({}: {}); a pre-approved reply \
             must be clean",
            f.rule, f.message
        )));
    }
    let reply = Reply {
        id: crate::clock::uuid_v7(server.now()),
        name,
        text,
        created_at: server.now(),
    };
    server
        .storage()
        .add_reply(reply.clone(), trail.clone())
        .await?;
    Ok(reply)
}

/// The replies whose name or text contains every word of `query` (case-blind); all of
/// them for an empty query.
pub async fn replies(server: &Server, query: &str) -> Result<Vec<Reply>, ServerError> {
    let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    Ok(server
        .storage()
        .replies()
        .await?
        .into_iter()
        .filter(|r| {
            let haystack = format!("{} {}", r.name, r.text).to_lowercase();
            words.iter().all(|w| haystack.contains(w))
        })
        .collect())
}

/// Removes the reply named `name`.
pub async fn remove_reply(server: &Server, trail: &Trail, name: &str) -> Result<(), ServerError> {
    if server
        .storage()
        .remove_reply(name.trim().to_owned(), server.now(), trail.clone())
        .await?
    {
        Ok(())
    } else {
        Err(ServerError::NotFound(format!(
            "there is no reply named {name:?}; `countersign-server replies list` shows them"
        )))
    }
}

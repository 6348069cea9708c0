//! Leavers: disable the account, revoke its sessions and hand all its open work to one
//! successor, in one step — or, if the successor cannot take something over, change nothing
//! and say what is missing.

use crate::Server;
use crate::admin::{Names, user_named};
use crate::error::ServerError;
use crate::storage::{Handover, HandoverOutcome, UserRecord};
use crate::trail::Trail;
use countersign_core::Draft;
use countersign_core::handover::HandoverProblem;
use countersign_core::wire::admin::LeaveReport;

/// `leaver` leaves and `successor` takes over, as `trail`'s person: one transaction that disables the
/// leaver, revokes their sessions (their desktops wipe their caches at the next contact),
/// makes the successor the owner of the leaver's open drafts, moves the leaver's place in
/// steps awaiting them to the successor where the successor is qualified, and records the
/// handover in each draft's history.
pub async fn leave(
    server: &Server,
    trail: &Trail,
    leaver: &str,
    successor: &str,
) -> Result<LeaveReport, ServerError> {
    let leaving = user_named(server, leaver).await?;
    let heir = user_named(server, successor).await?;
    if leaving.id == heir.id {
        return Err(ServerError::Invalid(format!(
            "{} cannot hand their work over to themselves; name a successor",
            leaving.username
        )));
    }
    if !heir.is_active() {
        return Err(ServerError::Invalid(format!(
            "{} is disabled and cannot take over anything; name an active successor",
            heir.username
        )));
    }
    let outcome = server
        .storage()
        .hand_over(
            Handover {
                leaver: leaving.id,
                successor: heir.id,
                by: trail.person(),
                now: server.now(),
            },
            trail.clone(),
        )
        .await?;
    match outcome {
        HandoverOutcome::Done(report) => {
            tracing::warn!(
                leaver = %report.leaver,
                successor = %report.successor,
                drafts = report.drafts_handed_over,
                "leaver handed over"
            );
            Ok(report)
        }
        HandoverOutcome::Refused(message) => Err(ServerError::NotFound(message)),
        HandoverOutcome::Blocked { draft, problem } => Err(ServerError::Invalid(
            blocked_message(server, &leaving, &heir, &draft, &problem).await?,
        )),
    }
}

async fn blocked_message(
    server: &Server,
    leaver: &UserRecord,
    heir: &UserRecord,
    draft: &Draft,
    problem: &HandoverProblem,
) -> Result<String, ServerError> {
    let names = Names::load(server).await?;
    let (who, whose) = (&heir.username, &leaver.username);
    let on = format!("the {} draft for {}", draft.network.label(), draft.channel);
    let why = match problem {
        HandoverProblem::NotAnAuthor => format!(
            "{who} cannot own {whose}'s drafts without the author role (user role add \
             --username {who} --role author)"
        ),
        HandoverProblem::NotInTeam(team) => format!(
            "{who} is not in {}, where {whose} has open drafts such as {on} (user team add \
             --username {who} --team \"{}\")",
            names.team(*team),
            names.team(*team)
        ),
        HandoverProblem::NoChannelAccess(channel) => format!(
            "{who} may not write for {}, where {whose} has open drafts such as {on} (user \
             channel add --username {who} --channel {})",
            draft.channel,
            channel.map_or_else(|| draft.channel.clone(), |c| names.channel(c))
        ),
        HandoverProblem::OwnerAwaited { step } => format!(
            "{who} would own {on}, whose {step} step waits only for {who}, and an owner never \
             approves their own draft (give someone else in its team the {step} step: user step \
             add --username NAME --step {step}; or name another successor)"
        ),
        HandoverProblem::NobodyLeft { step } => format!(
            "the {step} step of {on} waits only for {whose}, and {who} cannot take {step} \
             there (user step add --username {who} --step {step})"
        ),
    };
    Ok(format!("{why}. Nothing was changed."))
}

//! `countersign-server webhook add|list|remove|deliveries`: where approved drafts are handed
//! to publishing.

use crate::{DataDir, open};
use anyhow::Context;
use clap::Subcommand;
use countersign_server::trail::Trail;
use countersign_server::webhooks::{self, DeliveryQuery, DeliveryStatus};
use std::io::Write;
use uuid::Uuid;

#[derive(Subcommand)]
pub enum WebhookCommand {
    /// Register a webhook: every final approval (of one channel's drafts, or of all) is
    /// POSTed to it, signed. Prints the secret receivers check signatures with, this once.
    Add {
        #[command(flatten)]
        data: DataDir,
        /// Where to POST: https, or http to this machine.
        #[arg(long)]
        url: String,
        /// Only this channel's drafts (its name). Every channel when not given.
        #[arg(long)]
        channel: Option<String>,
        /// Allow plain http to another machine (the draft travels unencrypted).
        #[arg(long)]
        allow_http: bool,
    },
    /// List webhooks (never their secrets).
    List {
        #[command(flatten)]
        data: DataDir,
    },
    /// Remove a webhook: it gets nothing more, and its pending deliveries stop.
    Remove {
        #[command(flatten)]
        data: DataDir,
        /// The webhook's id (from `webhook list`).
        id: Uuid,
    },
    /// Deliveries, newest first, with every attempt.
    Deliveries {
        #[command(flatten)]
        data: DataDir,
        /// Only this webhook's.
        #[arg(long)]
        webhook: Option<Uuid>,
        /// Only pending, delivered or failed ones.
        #[arg(long, value_parser = parse_status)]
        status: Option<DeliveryStatus>,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
}

fn parse_status(text: &str) -> Result<DeliveryStatus, String> {
    DeliveryStatus::parse(text).ok_or_else(|| format!("{text:?}: pending, delivered or failed"))
}

pub async fn run(command: WebhookCommand) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match command {
        WebhookCommand::Add {
            data,
            url,
            channel,
            allow_http,
        } => {
            let server = open(&data).await?;
            let added = webhooks::add(
                &server,
                &url,
                channel.as_deref(),
                allow_http,
                Trail::console(),
            )
            .await
            .context("cannot add the webhook")?;
            writeln!(
                out,
                "Added webhook {} for {} to {}",
                added.webhook.id,
                added.webhook.channel.as_deref().unwrap_or("every channel"),
                added.webhook.url
            )?;
            writeln!(
                out,
                "Secret (shown once; give it to the receiver): {}",
                added.secret
            )?;
        }
        WebhookCommand::List { data } => {
            let server = open(&data).await?;
            for webhook in webhooks::list(&server).await? {
                let state = match webhook.removed_at {
                    Some(at) => format!("removed {}", at.to_rfc3339()),
                    None => "live".to_owned(),
                };
                writeln!(
                    out,
                    "{}  {:<16} {}  ({state}; added {})",
                    webhook.id,
                    webhook.channel.as_deref().unwrap_or("every channel"),
                    webhook.url,
                    webhook.created_at.to_rfc3339()
                )?;
            }
        }
        WebhookCommand::Remove { data, id } => {
            let server = open(&data).await?;
            webhooks::remove(&server, id, Trail::console())
                .await
                .context("cannot remove the webhook")?;
            writeln!(out, "Removed webhook {id}")?;
        }
        WebhookCommand::Deliveries {
            data,
            webhook,
            status,
            limit,
        } => {
            let server = open(&data).await?;
            let query = DeliveryQuery {
                webhook,
                status,
                limit,
            };
            for view in webhooks::deliveries(&server, query).await? {
                let d = &view.delivery;
                writeln!(
                    out,
                    "{} {} draft {} v{} to webhook {}: {} after {} attempt(s){}",
                    d.id,
                    d.event,
                    d.draft.id,
                    d.draft.version,
                    d.webhook_id,
                    d.status.as_str(),
                    d.attempts,
                    match d.status {
                        DeliveryStatus::Pending =>
                            format!(", next at {}", d.next_attempt_at.to_rfc3339()),
                        _ => String::new(),
                    }
                )?;
                for attempt in &view.attempt_log {
                    writeln!(
                        out,
                        "    #{} {} {} {} ms{}",
                        attempt.attempt,
                        attempt.at.to_rfc3339(),
                        attempt
                            .status_code
                            .map_or_else(|| "no answer".to_owned(), |c| c.to_string()),
                        attempt.duration_ms,
                        attempt
                            .error
                            .as_deref()
                            .map(|e| format!(": {e}"))
                            .unwrap_or_default()
                    )?;
                }
            }
        }
    }
    out.flush()?;
    Ok(())
}

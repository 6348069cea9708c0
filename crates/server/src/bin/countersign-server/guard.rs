//! `countersign-server policy set|show`, `replies`, `channel route` and `lint`: the policy
//! guard's settings, and the guard itself for authors' tools.

use crate::org::{parse_network, parse_step};
use crate::{DataDir, open};
use anyhow::Context;
use clap::{Args, Subcommand};
use countersign_core::channel::Routing;
use countersign_core::wire::NewReply;
use countersign_core::{Network, StepRule};
use countersign_policy::{Guard, Pack, Subject};
use countersign_server::admin;
use countersign_server::trail::Trail;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum RepliesCommand {
    /// Add a pre-approved reply: fixed text with {slots} authors fill in. Drafts that are
    /// this text with short, clean slot values need no review on channels that allow it.
    Add {
        #[command(flatten)]
        data: DataDir,
        /// A short name, e.g. late-delivery.
        #[arg(long)]
        name: String,
        /// The text, e.g. "Sorry to hear that, {first_name} — DM us your order number and
        /// we'll sort it today."
        #[arg(long)]
        text: String,
    },
    /// List the replies, or those matching every word of --search.
    List {
        #[command(flatten)]
        data: DataDir,
        /// Words to look for in names and texts.
        #[arg(long, default_value = "")]
        search: String,
    },
    /// Remove a reply. Drafts already routed by it keep their route.
    Remove {
        #[command(flatten)]
        data: DataDir,
        /// Its name.
        name: String,
    },
}

/// `channel route`: what a channel does with the guard's verdict.
#[derive(Args)]
pub struct RouteArgs {
    #[command(flatten)]
    data: DataDir,
    /// The channel's name.
    name: String,
    /// A step that replaces the policy for drafts with no findings at all (the fast lane),
    /// e.g. `peer`. Repeat for more steps.
    #[arg(long = "fast-lane", value_parser = parse_step)]
    fast_lane: Vec<StepRule>,
    /// A step added to drafts with a blocking finding, e.g. `legal`.
    #[arg(long = "on-block", value_parser = parse_step)]
    on_block: Option<StepRule>,
    /// Pre-approved replies with short, clean slot values go out without review.
    #[arg(long)]
    pre_approved_replies: bool,
}

/// `lint`: the guard on a draft's text from stdin.
#[derive(Args)]
pub struct LintArgs {
    /// The network the text is for.
    #[arg(long, value_parser = parse_network)]
    network: Network,
    /// An organisation's policy pack (TOML) to lay over the built-in one.
    #[arg(long)]
    pack: Option<PathBuf>,
    /// Print only the length as the network counts it, as one JSON line.
    #[arg(long)]
    measure: bool,
}

pub async fn replies(command: RepliesCommand) -> anyhow::Result<()> {
    match command {
        RepliesCommand::Add { data, name, text } => {
            let server = open(&data).await?;
            let reply =
                admin::add_reply(&server, &Trail::console(), NewReply { name, text }).await?;
            println!("added reply {}: {}", reply.name, reply.text);
        }
        RepliesCommand::List { data, search } => {
            let server = open(&data).await?;
            let found = admin::replies(&server, &search).await?;
            if found.is_empty() {
                println!(
                    "no replies{}",
                    if search.is_empty() { "" } else { " match" }
                );
            }
            for reply in found {
                println!("{:<24} {}", reply.name, reply.text);
            }
        }
        RepliesCommand::Remove { data, name } => {
            let server = open(&data).await?;
            admin::remove_reply(&server, &Trail::console(), &name).await?;
            println!("removed reply {name}");
        }
    }
    Ok(())
}

pub async fn route(args: RouteArgs) -> anyhow::Result<()> {
    let server = open(&args.data).await?;
    let routing = Routing {
        on_block: args.on_block,
        fast_lane: (!args.fast_lane.is_empty()).then_some(args.fast_lane),
        pre_approved_replies: args.pre_approved_replies,
    };
    let routing =
        admin::set_channel_routing(&server, &Trail::console(), &args.name, routing).await?;
    println!("{}: {}", args.name, routing_text(&routing));
    Ok(())
}

/// A channel's routing in a line.
pub fn routing_text(routing: &Routing) -> String {
    let mut parts = Vec::new();
    if let Some(lane) = &routing.fast_lane {
        let steps: Vec<String> = lane.iter().map(ToString::to_string).collect();
        parts.push(format!(
            "clean drafts take the fast lane ({})",
            steps.join(" → ")
        ));
    }
    if let Some(step) = &routing.on_block {
        parts.push(format!("blocking findings add {step}"));
    }
    if routing.pre_approved_replies {
        parts.push("pre-approved replies need no review".to_owned());
    }
    if parts.is_empty() {
        "every draft takes the channel's policy".to_owned()
    } else {
        parts.join("; ")
    }
}

/// `policy set --file`.
pub async fn set_pack(data: DataDir, file: PathBuf) -> anyhow::Result<()> {
    let source = std::fs::read_to_string(&file)
        .with_context(|| format!("cannot read {}", file.display()))?;
    let server = open(&data).await?;
    let view = admin::set_policy_pack(&server, &Trail::console(), source).await?;
    println!(
        "policy pack {:?} is in force as version {} ({} rules, on {})",
        view.effective.name,
        view.effective.version,
        view.effective.rules.len(),
        view.effective.base
    );
    Ok(())
}

/// `policy show`: the pack part.
pub async fn show_pack(data: &DataDir, effective: bool) -> anyhow::Result<()> {
    let server = open(data).await?;
    let view = admin::policy_pack(&server).await?;
    match &view.stored {
        None => println!(
            "policy pack: the built-in one ({} rules)",
            view.effective.rules.len()
        ),
        Some(stored) => println!(
            "policy pack: {:?} version {}, set by {} at {}, over {} ({} rules in all)",
            view.effective.name,
            stored.version,
            stored.set_by.display_name,
            stored.set_at.to_rfc3339(),
            view.effective.base,
            view.effective.rules.len()
        ),
    }
    if effective {
        print!("{}", view.effective.to_toml());
    } else if let Some(stored) = &view.stored {
        println!(
            "--- the organisation's pack as set ---\n{}",
            stored.source.trim_end()
        );
    }
    Ok(())
}

/// `lint`: findings as JSON lines; exit 1 when one blocks.
pub fn lint(args: LintArgs) -> anyhow::Result<ExitCode> {
    let mut body = String::new();
    std::io::stdin()
        .read_to_string(&mut body)
        .context("cannot read the draft from stdin (it must be UTF-8 text)")?;
    // One trailing newline is the shell's, not the author's.
    let body = body.strip_suffix('\n').unwrap_or(&body);
    let mut out = std::io::stdout().lock();
    if args.measure {
        let m = countersign_policy::measure(body, args.network);
        /// The line `--measure` prints, fields in this order.
        #[derive(serde::Serialize)]
        struct Line<'a> {
            network: &'a str,
            weighted_length: usize,
            limit: usize,
            valid: bool,
        }
        let line = Line {
            network: &m.network,
            weighted_length: m.weighted_length,
            limit: m.limit,
            valid: m.valid,
        };
        writeln!(out, "{}", serde_json::to_string(&line)?)?;
        return Ok(if m.valid {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }
    let pack = match &args.pack {
        None => Pack::builtin(),
        Some(file) => {
            let source = std::fs::read_to_string(file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let organisation = Pack::from_toml(&source)
                .with_context(|| format!("{} is not a usable policy pack", file.display()))?;
            Pack::builtin().layered(&organisation)?
        }
    };
    let guard = Guard::new(pack)?;
    let findings = guard.review(&Subject::text(body, args.network));
    for finding in &findings {
        writeln!(out, "{}", serde_json::to_string(finding)?)?;
    }
    Ok(if findings.iter().any(|f| f.blocks()) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

//! `countersign-server receipt key|verify`: the public half of the receipt-signing key, and
//! the check of reviewers' receipts with it alone — never with the database, so a receipt
//! holds against a server whose records were changed.

use crate::DataDir;
use anyhow::{Context, bail};
use clap::{ArgGroup, Args, Subcommand};
use countersign_audit::receipt::{PublicKey, verify};
use countersign_core::wire::{ReceiptKey, SignedReceipt};
use countersign_server::receipts;
use serde_json::Value;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum ReceiptCommand {
    /// Print the public key receipts are signed with, as GET /api/v1/receipts/key answers
    /// it (made with the data directory on its first start).
    Key {
        #[command(flatten)]
        data: DataDir,
    },
    /// Check receipts: one signed receipt, a JSON array of them, or the desktop's "export
    /// my decisions" JSON. One line per receipt; exits 1 when any fails.
    Verify(VerifyArgs),
}

#[derive(Args)]
#[command(group(ArgGroup::new("key").required(true).args(["public_key", "key_file", "data_dir"])))]
pub struct VerifyArgs {
    /// The file to check (`-` reads stdin).
    file: PathBuf,
    /// The public key: base64, as `receipt key` prints it.
    #[arg(long)]
    public_key: Option<String>,
    /// A file holding the public key: what `receipt key` or GET /api/v1/receipts/key
    /// printed, a `-----BEGIN PUBLIC KEY-----` PEM, or the base64 alone.
    #[arg(long)]
    key_file: Option<PathBuf>,
    /// The server's data directory: its receipt-signing.key (only the key is read).
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

pub async fn run(command: ReceiptCommand) -> anyhow::Result<ExitCode> {
    match command {
        ReceiptCommand::Key { data } => {
            let dir = data.data_dir;
            let signer =
                tokio::task::spawn_blocking(move || receipts::load_or_create(&dir)).await??;
            let mut out = std::io::stdout().lock();
            serde_json::to_writer(&mut out, &signer.public_key().to_wire())?;
            writeln!(out)?;
            Ok(ExitCode::SUCCESS)
        }
        ReceiptCommand::Verify(args) => verify_file(&args),
    }
}

fn verify_file(args: &VerifyArgs) -> anyhow::Result<ExitCode> {
    let key = public_key(args)?;
    let text = if args.file.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read stdin")?;
        text
    } else {
        std::fs::read_to_string(&args.file)
            .with_context(|| format!("cannot read {}", args.file.display()))?
    };
    let value: Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not JSON", args.file.display()))?;
    let items = items(&value).with_context(|| {
        format!(
            "{} is not a signed receipt, a JSON array of them, or an export of decisions \
             (an object with a `decisions` array)",
            args.file.display()
        )
    })?;
    let mut out = std::io::stdout().lock();
    let (mut good, mut failed, mut unconfirmed) = (0, 0, 0);
    for (n, item) in items.iter().enumerate() {
        match check(item, &key) {
            Checked::Good(line) => {
                good += 1;
                writeln!(out, "ok           {line}")?;
            }
            Checked::Failed(line) => {
                failed += 1;
                writeln!(out, "FAILED       #{}: {line}", n + 1)?;
            }
            Checked::Unconfirmed(line) => {
                unconfirmed += 1;
                writeln!(out, "unconfirmed  {line}")?;
            }
        }
    }
    writeln!(
        out,
        "{good} verified, {failed} failed, {unconfirmed} not yet confirmed by the server \
         (key {})",
        key.key_id()
    )?;
    Ok(if failed == 0 && good + unconfirmed > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Exactly one of the three ways of naming the key (clap's group makes sure).
fn public_key(args: &VerifyArgs) -> anyhow::Result<PublicKey> {
    if let Some(text) = &args.public_key {
        return PublicKey::from_base64(text).context("--public-key");
    }
    if let Some(path) = &args.key_file {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        return key_from_text(&text).with_context(|| format!("{}", path.display()));
    }
    if let Some(dir) = &args.data_dir {
        return Ok(receipts::load(dir)?.public_key());
    }
    bail!("give the public key: --public-key, --key-file or --data-dir")
}

/// A public key in any of the forms `--key-file` takes.
fn key_from_text(text: &str) -> anyhow::Result<PublicKey> {
    let text = text.trim();
    if text.starts_with("-----BEGIN PRIVATE KEY-----") {
        bail!(
            "this is the private signing key; give its public half instead \
             (`countersign-server receipt key` prints it), and keep this file where it was"
        );
    }
    if text.starts_with("-----BEGIN") {
        return Ok(PublicKey::from_pem(text)?);
    }
    if text.starts_with('{') {
        let wire: ReceiptKey = serde_json::from_str(text)
            .context("not the JSON of `receipt key` (algorithm, public_key, key_id)")?;
        return Ok(PublicKey::from_wire(&wire)?);
    }
    Ok(PublicKey::from_base64(text)?)
}

/// The entries to check: the receipt itself, the array's items, or the export's decisions.
fn items(value: &Value) -> Option<Vec<&Value>> {
    match value {
        Value::Array(items) => Some(items.iter().collect()),
        Value::Object(_) if is_signed_receipt(value) => Some(vec![value]),
        Value::Object(map) => match map.get("decisions") {
            Some(Value::Array(items)) => Some(items.iter().collect()),
            _ => None,
        },
        _ => None,
    }
}

enum Checked {
    Good(String),
    Failed(String),
    Unconfirmed(String),
}

/// True for the shape of a signed receipt: `{"receipt": {…}, "signature": "…"}`.
fn is_signed_receipt(value: &Value) -> bool {
    value.get("receipt").is_some_and(Value::is_object) && value.get("signature").is_some()
}

/// One entry: a signed receipt, or an exported decision carrying one (or marked as not
/// yet confirmed).
fn check(item: &Value, key: &PublicKey) -> Checked {
    // An exported decision's signed receipt is under its `receipt`; look there first, so
    // a row that also copies the signature beside it is still read as a decision.
    let signed = match item.get("receipt") {
        Some(inner) if is_signed_receipt(inner) => inner,
        _ if is_signed_receipt(item) => item,
        _ if item.get("confirmed") == Some(&Value::Bool(false)) => {
            let id = item
                .get("decision_id")
                .and_then(Value::as_str)
                .unwrap_or("(no id)");
            return Checked::Unconfirmed(format!(
                "decision {id}: no receipt yet, nothing to check"
            ));
        }
        _ => {
            return Checked::Failed(
                "neither a signed receipt nor a decision marked \"confirmed\": false".to_owned(),
            );
        }
    };
    let signed: SignedReceipt = match serde_json::from_value(signed.clone()) {
        Ok(signed) => signed,
        Err(e) => return Checked::Failed(format!("not a signed receipt: {e}")),
    };
    let r = &signed.receipt;
    let about = format!(
        "decision {} on draft {} version {}: {} by {} at {} (audit #{}, text sha256 {})",
        r.decision_id,
        r.draft_id,
        r.draft_version,
        r.verdict.as_str(),
        r.reviewer.username,
        r.decided_at
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        r.audit.position,
        short(&r.content_sha256),
    );
    match verify(&signed, key) {
        Ok(()) => Checked::Good(about),
        Err(e) => Checked::Failed(format!("{about}: {e}")),
    }
}

fn short(hex: &str) -> &str {
    hex.get(..12).unwrap_or(hex)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_shapes_of_file_give_their_entries() {
        let one = serde_json::json!({"receipt": {}, "signature": "x"});
        assert_eq!(items(&one).map(|i| i.len()), Some(1));
        let many = serde_json::json!([one.clone(), one.clone()]);
        assert_eq!(items(&many).map(|i| i.len()), Some(2));
        let export = serde_json::json!({"decisions": [{"confirmed": false}, {"receipt": one}]});
        assert_eq!(items(&export).map(|i| i.len()), Some(2));
        assert!(items(&serde_json::json!({"other": 1})).is_none());
        assert!(items(&serde_json::json!("text")).is_none());
    }

    #[test]
    fn an_exported_decision_is_read_by_its_receipt_even_with_a_signature_beside_it() {
        let signer = countersign_audit::receipt::ReceiptSigner::from_secret_bytes([5; 32]);
        let signed = signer.sign(
            serde_json::from_value(serde_json::json!({
                "decision_id": "00000000-0000-0000-0000-000000000001",
                "draft_id": "00000000-0000-0000-0000-000000000002",
                "draft_version": 1, "content_sha256": "00", "verdict": "approve",
                "step": null, "override_reason": false,
                "reviewer": {"id": "00000000-0000-0000-0000-000000000003",
                             "username": "rita", "display_name": "Rita"},
                "decided_at": "2026-12-03T15:20:00.000000Z",
                "audit": {"position": 1, "hash": "ab"}, "key_id": ""
            }))
            .expect("a receipt"),
        );
        let key = signer.public_key();
        let row = serde_json::json!({"confirmed": true, "signature": signed.signature,
                                     "key_id": signed.receipt.key_id, "receipt": signed});
        assert!(matches!(check(&row, &key), Checked::Good(_)));
        let alone = serde_json::to_value(&signed).expect("JSON");
        assert!(matches!(check(&alone, &key), Checked::Good(_)));
        let waiting = serde_json::json!({"confirmed": false, "decision_id": "x"});
        assert!(matches!(check(&waiting, &key), Checked::Unconfirmed(_)));
        let neither = serde_json::json!({"confirmed": true});
        assert!(matches!(check(&neither, &key), Checked::Failed(_)));
    }

    #[test]
    fn a_private_key_given_as_the_public_one_is_refused() {
        let error = key_from_text("-----BEGIN PRIVATE KEY-----\nMC4C\n-----END PRIVATE KEY-----")
            .expect_err("refused");
        assert!(error.to_string().contains("public half"), "{error}");
    }
}

//! "Export my decisions": the reviewer's own decisions, with the server's signed receipts,
//! as a CSV file for people and a JSON file for `countersign-server receipt verify`.
//!
//! Every decision made on this desktop that the cache still knows is in both files: each one
//! the server confirmed, with its receipt (`"confirmed": true`), and each one still in the
//! outbox, marked `"confirmed": false` — not yet confirmed by the server. The JSON is
//!
//! ```json
//! { "exported_at": "…", "server": "https://…", "reviewer": { "id", "username", "display_name" },
//!   "public_key": { "algorithm": "ed25519", "public_key": "…", "key_id": "…" },
//!   "decisions": [ { "confirmed": true, "decision_id": "…", …, "receipt": { "receipt": {…}, "signature": "…" } },
//!                  { "confirmed": false, "status": "not yet confirmed by the server", … } ] }
//! ```
//!
//! A decision's own fields repeat what its receipt says, for people reading the file; the
//! signature is only inside `receipt`, so `receipt verify` takes each entry for what it is.
//!
//! `public_key` is the key pinned at sign-in, left out when none was. The receipts are
//! written exactly as the server signed them, so anyone holding the server's public key can
//! check them without trusting the server's database.
//!
//! Each file is written to a temporary file beside its final name, flushed to disk and then
//! renamed over it, so a file with the final name is always whole; it is readable by this OS
//! user only (`0600`). Every CSV cell that a spreadsheet would run as a formula (starting
//! with `=`, `+`, `-`, `@`, a tab or a carriage return) is written with a leading `'`, so a
//! comment, or a field a hostile server filled in, cannot run in the reviewer's spreadsheet.

use crate::error::AppError;
use chrono::{DateTime, SecondsFormat, Utc};
use countersign_core::Person;
use countersign_core::wire::{AuditHead, ReceiptKey, SignedReceipt};
use countersign_store::{ReceiptCheck, StoredReceipt, UnconfirmedDecision};
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};

/// What an export wrote, for the window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExportReport {
    /// The folder the files are in.
    pub folder: PathBuf,
    /// The CSV file.
    pub csv: PathBuf,
    /// The JSON file.
    pub json: PathBuf,
    /// Decisions in the files.
    pub decisions: usize,
    /// Of those, the ones the server confirmed with a receipt.
    pub confirmed: usize,
    /// Of those, the ones not yet confirmed by the server.
    pub unconfirmed: usize,
    /// Receipts that failed the desktop's check when they arrived (see [`ReceiptCheck`]).
    pub failed_checks: usize,
}

/// Everything one export holds, read from the cache.
pub(crate) struct Export {
    pub exported_at: DateTime<Utc>,
    pub server: String,
    pub reviewer: Person,
    pub public_key: Option<ReceiptKey>,
    pub receipts: Vec<StoredReceipt>,
    pub unconfirmed: Vec<UnconfirmedDecision>,
}

/// What an unconfirmed decision's `status` says.
const WAITING: &str = "not yet confirmed by the server";
/// An unconfirmed decision the server applied without sending a receipt.
const NO_RECEIPT: &str = "applied by the server, which sent no receipt";

/// One decision, as both files show it.
#[derive(Serialize)]
struct Row<'a> {
    confirmed: bool,
    status: &'static str,
    decision_id: String,
    draft_id: String,
    draft_version: u64,
    verdict: &'static str,
    /// Server time for a confirmed decision; the time recorded here otherwise.
    decided_at: String,
    /// For a confirmed decision, from the receipt; otherwise of the text as the reviewer
    /// saw it, when the cache held that version.
    #[serde(skip_serializing_if = "Option::is_none")]
    content_sha256: Option<String>,
    comment: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    override_reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    audit: Option<&'a AuditHead>,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_id: Option<&'a str>,
    /// For the CSV only: in the JSON the signature is inside `receipt`, and a row with a
    /// `signature` of its own would read as a signed receipt itself to `receipt verify`.
    #[serde(skip)]
    signature: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    check: Option<&'a ReceiptCheck>,
    #[serde(skip_serializing_if = "Option::is_none")]
    receipt: Option<&'a SignedReceipt>,
}

#[derive(Serialize)]
struct ExportFile<'a> {
    exported_at: String,
    server: &'a str,
    reviewer: &'a Person,
    #[serde(skip_serializing_if = "Option::is_none")]
    public_key: Option<&'a ReceiptKey>,
    decisions: Vec<Row<'a>>,
}

fn text_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn confirmed_row(stored: &StoredReceipt) -> Row<'_> {
    let r = &stored.signed.receipt;
    Row {
        confirmed: true,
        status: "confirmed",
        decision_id: r.decision_id.to_string(),
        draft_id: r.draft_id.to_string(),
        draft_version: r.draft_version,
        verdict: r.verdict.as_str(),
        decided_at: text_time(r.decided_at),
        content_sha256: Some(r.content_sha256.clone()),
        comment: &stored.decision.comment,
        override_reason: stored.decision.override_reason.as_deref(),
        audit: Some(&r.audit),
        key_id: Some(&r.key_id),
        signature: Some(&stored.signed.signature),
        check: Some(&stored.check),
        receipt: Some(&stored.signed),
    }
}

fn unconfirmed_row(waiting: &UnconfirmedDecision) -> Row<'_> {
    let d = &waiting.decision;
    let content_sha256 = waiting
        .decided_on
        .as_ref()
        .filter(|seen| seen.version == d.draft_version)
        .map(|seen| countersign_audit::content_sha256(&seen.body));
    Row {
        confirmed: false,
        status: if waiting.answered {
            NO_RECEIPT
        } else {
            WAITING
        },
        decision_id: d.id.to_string(),
        draft_id: d.draft_id.to_string(),
        draft_version: d.draft_version,
        verdict: d.verdict.as_str(),
        decided_at: text_time(waiting.recorded_at),
        content_sha256,
        comment: &d.comment,
        override_reason: d.override_reason.as_deref(),
        audit: None,
        key_id: None,
        signature: None,
        check: None,
        receipt: None,
    }
}

impl Export {
    fn rows(&self) -> Vec<Row<'_>> {
        self.receipts
            .iter()
            .map(confirmed_row)
            .chain(self.unconfirmed.iter().map(unconfirmed_row))
            .collect()
    }

    /// The JSON file's text.
    pub fn json(&self) -> Result<String, AppError> {
        let file = ExportFile {
            exported_at: text_time(self.exported_at),
            server: &self.server,
            reviewer: &self.reviewer,
            public_key: self.public_key.as_ref(),
            decisions: self.rows(),
        };
        serde_json::to_string_pretty(&file)
            .map_err(|e| AppError::Invalid(format!("the export could not be written: {e}")))
    }

    /// The CSV file's text: a header, then one line per decision.
    pub fn csv(&self) -> Result<Vec<u8>, AppError> {
        let mut out = csv::Writer::from_writer(Vec::new());
        out.write_record(CSV_HEADER).map_err(csv_failed)?;
        for row in self.rows() {
            let audit_position = row.audit.map(|a| a.position.to_string());
            let check = row.check.map(check_text);
            let cells = [
                row.confirmed.to_string(),
                row.status.to_owned(),
                row.decided_at.clone(),
                row.verdict.to_owned(),
                row.draft_id.clone(),
                row.draft_version.to_string(),
                row.content_sha256.clone().unwrap_or_default(),
                row.decision_id.clone(),
                row.comment.to_owned(),
                row.override_reason.unwrap_or_default().to_owned(),
                audit_position.unwrap_or_default(),
                row.audit.map(|a| a.hash.clone()).unwrap_or_default(),
                row.key_id.unwrap_or_default().to_owned(),
                row.signature.unwrap_or_default().to_owned(),
                check.unwrap_or_default(),
            ];
            out.write_record(cells.iter().map(|c| spreadsheet_safe(c)))
                .map_err(csv_failed)?;
        }
        out.into_inner()
            .map_err(|e| AppError::Invalid(format!("the export could not be written: {e}")))
    }

    /// Writes both files into `folder`, which must exist, and says what they hold.
    pub fn write(&self, folder: &Path) -> Result<ExportReport, AppError> {
        if !folder.is_absolute() || !folder.is_dir() {
            return Err(AppError::Invalid(format!(
                "{} is not a folder on this computer: choose another one",
                folder.display()
            )));
        }
        let stem = format!(
            "countersign-decisions-{}",
            self.exported_at.format("%Y%m%d-%H%M%S")
        );
        let csv = folder.join(format!("{stem}.csv"));
        let json = folder.join(format!("{stem}.json"));
        write_atomically(&csv, &self.csv()?)?;
        write_atomically(&json, self.json()?.as_bytes())?;
        let failed_checks = self.receipts.iter().filter(|r| r.check.failed()).count();
        Ok(ExportReport {
            folder: folder.to_path_buf(),
            csv,
            json,
            decisions: self.receipts.len() + self.unconfirmed.len(),
            confirmed: self.receipts.len(),
            unconfirmed: self.unconfirmed.len(),
            failed_checks,
        })
    }
}

const CSV_HEADER: [&str; 15] = [
    "confirmed",
    "status",
    "decided_at",
    "verdict",
    "draft_id",
    "draft_version",
    "content_sha256",
    "decision_id",
    "comment",
    "override_reason",
    "audit_position",
    "audit_hash",
    "key_id",
    "signature",
    "check",
];

fn check_text(check: &ReceiptCheck) -> String {
    match check {
        ReceiptCheck::Unchecked => "not checked: no server key was pinned".to_owned(),
        ReceiptCheck::Valid => "valid".to_owned(),
        ReceiptCheck::Failed(why) => format!("FAILED: {why}"),
    }
}

/// A cell a spreadsheet shows as text: one that would start a formula gets a leading `'`
/// (the OWASP advice for CSV injection). The CSV writer quotes commas, quotes and newlines.
fn spreadsheet_safe(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

fn csv_failed(e: csv::Error) -> AppError {
    AppError::Invalid(format!("the export could not be written: {e}"))
}

/// Writes `bytes` to a private temporary file in `path`'s folder, flushes it to disk and
/// renames it to `path`: whoever opens `path` finds the old file or the whole new one.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), AppError> {
    let folder = path.parent().unwrap_or(Path::new("."));
    let failed = |e: std::io::Error| AppError::Export {
        path: path.to_path_buf(),
        source: e,
    };
    // tempfile creates it 0600 on Unix, with a name no other process can guess.
    let mut file = tempfile::Builder::new()
        .prefix(".countersign-export-")
        .tempfile_in(folder)
        .map_err(failed)?;
    file.write_all(bytes).map_err(failed)?;
    file.as_file().sync_all().map_err(failed)?;
    file.persist(path).map_err(|e| failed(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use countersign_core::wire::Receipt;
    use countersign_core::{Decision, DecisionId, Draft, DraftId, MutationId, UserId, Verdict};
    use uuid::Uuid;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().expect("a time")
    }

    fn rita() -> Person {
        Person {
            id: UserId(Uuid::from_u128(7)),
            username: "rita".into(),
            display_name: "Rita Reviewer".into(),
        }
    }

    fn decision(n: u128, verdict: Verdict, comment: &str) -> Decision {
        Decision {
            id: DecisionId(Uuid::from_u128(0x100 + n)),
            draft_id: DraftId(Uuid::from_u128(0x200 + n)),
            draft_version: 2,
            verdict,
            comment: comment.into(),
            override_reason: None,
            client_time: Some(at("2026-12-03T15:00:00Z")),
        }
    }

    fn stored(decision: Decision, check: ReceiptCheck) -> StoredReceipt {
        let receipt = Receipt {
            decision_id: decision.id,
            draft_id: decision.draft_id,
            draft_version: decision.draft_version,
            content_sha256: countersign_audit::content_sha256("Our store opens at 9."),
            verdict: decision.verdict,
            step: Some("review".into()),
            override_reason: false,
            reviewer: rita(),
            decided_at: at("2026-12-03T15:20:00.120000Z"),
            audit: AuditHead {
                position: 41,
                hash: "cd".repeat(32),
            },
            key_id: "0123456789abcdef".into(),
        };
        StoredReceipt {
            mutation_id: MutationId(1),
            decision,
            signed: SignedReceipt {
                receipt,
                signature: "c2lnbmF0dXJl".into(),
            },
            received_at: at("2026-12-03T15:20:01Z"),
            check,
        }
    }

    fn waiting(decision: Decision, seen: Option<Draft>) -> UnconfirmedDecision {
        UnconfirmedDecision {
            mutation_id: MutationId(2),
            decision,
            decided_on: seen,
            recorded_at: at("2026-12-03T15:30:00Z"),
            answered: false,
        }
    }

    /// The draft `decision` was made on, as the reviewer saw it.
    fn seen_draft(decision: &Decision, body: &str) -> Draft {
        use countersign_core::{DraftStatus, Network, RequiredStep, TeamId, Urgency};
        Draft {
            id: decision.draft_id,
            version: decision.draft_version,
            status: DraftStatus::Pending,
            network: Network::X,
            channel: "@help".into(),
            channel_id: None,
            team: TeamId(Uuid::from_u128(1)),
            body: body.into(),
            author: rita(),
            owner: None,
            urgency: Urgency::Normal,
            requested_urgency: None,
            scheduled_at: None,
            required_steps: vec![RequiredStep::one("review")],
            approvals: vec![],
            in_reply_to: None,
            media: vec![],
            created_at: at("2026-12-03T14:00:00Z"),
            updated_at: at("2026-12-03T14:00:00Z"),
            history: vec![],
        }
    }

    fn export(receipts: Vec<StoredReceipt>, unconfirmed: Vec<UnconfirmedDecision>) -> Export {
        Export {
            exported_at: at("2026-12-03T16:00:00Z"),
            server: "https://countersign.example".into(),
            reviewer: rita(),
            public_key: Some(ReceiptKey {
                algorithm: "ed25519".into(),
                public_key: "a2V5".into(),
                key_id: "0123456789abcdef".into(),
            }),
            receipts,
            unconfirmed,
        }
    }

    fn read_csv(path: &Path) -> Vec<Vec<String>> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_path(path)
            .expect("the CSV opens");
        reader
            .records()
            .map(|r| r.expect("a record").iter().map(str::to_owned).collect())
            .collect()
    }

    #[test]
    fn both_files_hold_every_confirmed_and_every_waiting_decision() {
        let dir = tempfile::tempdir().unwrap();
        let confirmed = stored(decision(1, Verdict::Approve, "fine"), ReceiptCheck::Valid);
        let seen = seen_draft(&decision(2, Verdict::Reject, ""), "Our store opens at 10.");
        let later = waiting(decision(2, Verdict::Reject, "no"), Some(seen));
        let report = export(vec![confirmed.clone()], vec![later])
            .write(dir.path())
            .unwrap();
        assert_eq!(
            (
                report.decisions,
                report.confirmed,
                report.unconfirmed,
                report.failed_checks
            ),
            (2, 1, 1, 0)
        );
        assert_eq!(report.folder, dir.path());

        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&report.json).unwrap()).unwrap();
        assert_eq!(json["server"], "https://countersign.example");
        assert_eq!(json["reviewer"]["username"], "rita");
        assert_eq!(json["public_key"]["algorithm"], "ed25519");
        assert_eq!(json["exported_at"], "2026-12-03T16:00:00.000000Z");
        let decisions = json["decisions"].as_array().unwrap();
        assert_eq!(decisions.len(), 2);
        assert_eq!(decisions[0]["confirmed"], true);
        assert_eq!(
            decisions[0]["receipt"],
            serde_json::to_value(&confirmed.signed).unwrap(),
            "the receipt is written exactly as the server signed it"
        );
        assert_eq!(decisions[0]["audit"]["position"], 41);
        assert!(
            decisions[0].get("signature").is_none(),
            "the signature is only inside the receipt: {}",
            decisions[0]
        );
        assert_eq!(decisions[0]["check"]["result"], "valid");
        assert_eq!(decisions[1]["confirmed"], false);
        assert_eq!(decisions[1]["status"], "not yet confirmed by the server");
        assert_eq!(decisions[1]["verdict"], "reject");
        assert_eq!(
            decisions[1]["content_sha256"],
            countersign_audit::content_sha256("Our store opens at 10."),
            "a waiting decision names the text the reviewer saw"
        );
        assert!(decisions[1].get("receipt").is_none());

        let rows = read_csv(&report.csv);
        assert_eq!(rows.len(), 3, "a header and two decisions: {rows:?}");
        assert_eq!(rows[0], CSV_HEADER.map(str::to_owned).to_vec());
        assert_eq!(rows[1][0], "true");
        assert_eq!(rows[1][3], "approve");
        assert_eq!(rows[1][10], "41");
        assert_eq!(rows[1][14], "valid");
        assert_eq!(rows[2][0], "false");
        assert_eq!(rows[2][1], "not yet confirmed by the server");
        assert_eq!(rows[2][10], "", "no audit position before the receipt");
    }

    #[cfg(unix)]
    #[test]
    fn the_files_are_private_and_no_temporary_file_is_left() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let report = export(vec![], vec![]).write(dir.path()).unwrap();
        for file in [&report.csv, &report.json] {
            let mode = std::fs::metadata(file).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{} is {mode:o}", file.display());
        }
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 2, "only the two files: {names:?}");
        assert!(
            names
                .iter()
                .all(|n| n.starts_with("countersign-decisions-20261203-160000"))
        );
    }

    #[test]
    fn hostile_text_stays_one_cell_and_never_starts_a_formula() {
        let dir = tempfile::tempdir().unwrap();
        let comment = "=HYPERLINK(\"http://evil.example\",\"click\"),\n\"quoted\"; more";
        let mut confirmed = stored(decision(1, Verdict::Approve, comment), ReceiptCheck::Valid);
        // A hostile server's fields reach the CSV too.
        confirmed.signed.receipt.content_sha256 = "@SUM(1+1)*cmd|' /C calc'!A0".into();
        confirmed.signed.signature = "+1,2".into();
        let waiting_one = waiting(decision(2, Verdict::Reject, "-2+3"), None);
        let report = export(vec![confirmed], vec![waiting_one])
            .write(dir.path())
            .unwrap();
        let rows = read_csv(&report.csv);
        assert_eq!(
            rows.len(),
            3,
            "newlines and commas stay inside their cell: {rows:?}"
        );
        assert!(rows.iter().all(|r| r.len() == CSV_HEADER.len()));
        assert_eq!(rows[1][8], format!("'{comment}"));
        assert_eq!(rows[1][6], "'@SUM(1+1)*cmd|' /C calc'!A0");
        assert_eq!(rows[1][13], "'+1,2");
        assert_eq!(rows[2][8], "'-2+3");
        for row in &rows {
            for cell in row {
                assert!(
                    !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "a cell a spreadsheet would run: {cell:?}"
                );
            }
        }
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&report.json).unwrap()).unwrap();
        assert_eq!(
            json["decisions"][0]["comment"], comment,
            "the JSON keeps the text as it is"
        );
    }

    #[test]
    fn a_failed_check_is_counted_and_written_out() {
        let dir = tempfile::tempdir().unwrap();
        let bad = stored(
            decision(1, Verdict::Approve, ""),
            ReceiptCheck::Failed("the signature does not hold".into()),
        );
        let report = export(vec![bad], vec![]).write(dir.path()).unwrap();
        assert_eq!(report.failed_checks, 1);
        let rows = read_csv(&report.csv);
        assert_eq!(rows[1][14], "FAILED: the signature does not hold");
    }

    #[test]
    fn a_relative_or_missing_folder_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        for folder in [Path::new("relative/folder"), &dir.path().join("missing")] {
            let err = export(vec![], vec![]).write(folder).unwrap_err();
            assert_eq!(err.code(), "invalid", "{err}");
            assert!(err.to_string().contains("not a folder"), "{err}");
        }
    }
}

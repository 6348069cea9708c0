//! The audit log for an operator or auditor: checking it ([`verify`]) and reading it out
//! ([`AuditExport`]) — `countersign-server audit verify|export` and `GET
//! /api/v1/admin/audit` call these.
//!
//! Both stream: the log is read [`PAGE`] events at a time, and neither holds more than a
//! page (the verifier only the last event's head), so a year of events never sits in
//! memory.
//!
//! The JSON export is one array with one event per line, each exactly as
//! [`countersign_audit::Event`] serialises it — the fields the hash covers, so anyone can
//! recompute every hash from the file. The CSV export has a header row and one row per event
//! ([`CSV_COLUMNS`]; `detail` is its JSON text), every cell a spreadsheet would read as a
//! formula prefixed with `'` ([`spreadsheet_safe`]), so the JSON is the one to re-verify.
//! The export itself is an audit event (`audit_exported`), recorded before the first byte
//! goes out.

use crate::Server;
use crate::error::ServerError;
use crate::export::{ExportFormat, Framed, PageSource, spreadsheet_safe};
use crate::storage::{AuditQuery, StorageError};
use crate::trail::Trail;
use chrono::{DateTime, Utc};
use countersign_audit::{Event, Head, NewEvent, Verified, VerifyError, kinds};

/// Events read per page: a page is a few hundred kilobytes, and a year of events a few
/// thousand queries.
pub const PAGE: usize = 1_000;

/// The CSV export's columns, in order.
pub const CSV_COLUMNS: [&str; 13] = [
    "position",
    "at",
    "kind",
    "actor_id",
    "actor_username",
    "via",
    "session_id",
    "draft_id",
    "draft_version",
    "content_sha256",
    "detail",
    "prev_hash",
    "hash",
];

/// Appends events that record no change of their own, in one transaction, in order, and
/// returns where the log stood after each: for a tool beside the server (an integration,
/// the benchmark) with something to put on the record. The server's own writes append
/// their events inside the change's transaction instead.
pub async fn record(server: &Server, events: Vec<NewEvent>) -> Result<Vec<Head>, ServerError> {
    Ok(server.storage().record(events).await?)
}

/// Where the log stands: its last event, `None` while it is empty.
pub async fn head(server: &Server) -> Result<Option<Head>, ServerError> {
    Ok(server.storage().audit_head().await?)
}

/// Walks the whole log in position order and reports its first problem, checking it
/// against `vouched`: heads taken from receipts and webhook deliveries, which a rewrite of
/// the database cannot reach.
///
/// The log is read page by page on this runtime and hashed on a blocking thread; at most
/// one page waits between them.
pub async fn verify(
    server: &Server,
    vouched: &[Head],
) -> Result<Verified, VerifyError<ServerError>> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Event, ServerError>>(PAGE);
    let reader = server.clone();
    let reading = tokio::spawn(async move {
        let mut after = 0;
        let mut limit = PAGE;
        loop {
            let query = AuditQuery {
                after,
                from: None,
                to: None,
                limit,
            };
            let page = match reader.storage().audit_events(query).await {
                Ok(page) => page,
                // A row the server could never have written: step through the page one
                // event at a time to say which one.
                Err(e) if unreadable(&e) && limit > 1 => {
                    limit = 1;
                    continue;
                }
                Err(e) => {
                    let e = if unreadable(&e) {
                        StorageError::Corrupt(format!(
                            "the event after position {after} cannot be read ({e}): the \
                             server never writes such a row, so it was changed outside it"
                        ))
                    } else {
                        e
                    };
                    // The verifier reports it; if it stopped already, nobody is listening.
                    let _ = tx.send(Err(e.into())).await;
                    return;
                }
            };
            let Some(last) = page.last() else { return };
            after = last.position;
            for event in page {
                if tx.send(Ok(event)).await.is_err() {
                    // The verifier found its problem and stopped reading.
                    return;
                }
            }
        }
    });
    let vouched = vouched.to_vec();
    let verdict = tokio::task::spawn_blocking(move || {
        countersign_audit::verify(std::iter::from_fn(|| rx.blocking_recv()), &vouched)
    })
    .await
    .map_err(|e| VerifyError::Source(ServerError::Task(e)))?;
    reading
        .await
        .map_err(|e| VerifyError::Source(ServerError::Task(e)))?;
    verdict
}

/// Whether `e` says a stored row holds what the server never writes (text where a number
/// goes, a broken id or JSON), rather than that the database could not be read at all.
fn unreadable(e: &StorageError) -> bool {
    use rusqlite::Error as Sql;
    matches!(
        e,
        StorageError::Corrupt(_)
            | StorageError::Json(_)
            | StorageError::Sqlite(
                Sql::InvalidColumnType(..)
                    | Sql::FromSqlConversionFailure(..)
                    | Sql::IntegralValueOutOfRange(..)
            )
    )
}

/// A running export of the log ([`AuditExport::start`]).
pub type AuditExport = Framed<AuditPages>;

/// The events an [`AuditExport`] reads, a page at a time.
#[derive(Debug)]
pub struct AuditPages {
    server: Server,
    query: AuditQuery,
    /// The log's last position when the export started: events written while it runs are
    /// left for the next one, so an export is the log as it stood at one moment.
    upto: u64,
}

impl AuditExport {
    /// Records the export in the log (who, through what, which times and format) and gets
    /// ready to read the events at or after `from` and before `to`. Fails with
    /// [`ServerError::Invalid`] when `from` is after `to`.
    pub async fn start(
        server: &Server,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        format: ExportFormat,
        trail: Trail,
    ) -> Result<Self, ServerError> {
        crate::export::in_order(from, to)?;
        let detail = serde_json::json!({
            "format": format.as_str(),
            "from": from.map(crate::clock::to_text),
            "to": to.map(crate::clock::to_text),
        });
        let heads = server
            .storage()
            .record(vec![trail.event(
                server.now(),
                kinds::AUDIT_EXPORTED,
                None,
                detail,
            )])
            .await?;
        let upto = heads.last().map_or(0, |h| h.position);
        let source = AuditPages {
            server: server.clone(),
            query: AuditQuery {
                after: 0,
                from,
                to,
                limit: PAGE,
            },
            upto,
        };
        Ok(Framed::new(source, format))
    }
}

impl PageSource for AuditPages {
    type Row = Event;
    type Record = [String; 13];
    const CSV_COLUMNS: &'static [&'static str] = &CSV_COLUMNS;

    async fn next_page(&mut self) -> Result<Vec<Event>, ServerError> {
        let mut events = self
            .server
            .storage()
            .audit_events(self.query.clone())
            .await?;
        events.retain(|e| e.position <= self.upto);
        if let Some(last) = events.last() {
            self.query.after = last.position;
        }
        Ok(events)
    }

    fn csv_records(row: &Event) -> impl IntoIterator<Item = [String; 13]> {
        [csv_row(row)]
    }
}

/// One event as a CSV row ([`CSV_COLUMNS`]).
pub fn csv_row(event: &Event) -> [String; 13] {
    let actor = event.actor.as_ref();
    let draft = event.draft.as_ref();
    [
        event.position.to_string(),
        crate::clock::to_text(event.at),
        event.kind.clone(),
        actor.map(|a| a.id.to_string()).unwrap_or_default(),
        actor.map(|a| a.username.clone()).unwrap_or_default(),
        event.via.as_str().to_owned(),
        event.session.map(|s| s.to_string()).unwrap_or_default(),
        draft.map(|d| d.id.to_string()).unwrap_or_default(),
        draft.map(|d| d.version.to_string()).unwrap_or_default(),
        draft.map(|d| d.content_sha256.clone()).unwrap_or_default(),
        event.detail.to_string(),
        event.prev_hash.clone(),
        event.hash.clone(),
    ]
    .map(|cell| spreadsheet_safe(&cell).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ServerConfig;
    use countersign_audit::{Problem, Via};

    async fn server() -> (tempfile::TempDir, Server) {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let server = crate::open(ServerConfig::new(dir.path()))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        (dir, server)
    }

    /// `n` standalone events, recorded the way the server records them.
    async fn record(server: &Server, n: usize) -> Vec<Head> {
        let events = (0..n)
            .map(|i| NewEvent {
                detail: serde_json::json!({"i": i, "note": "=SUM(A1)"}),
                ..NewEvent::new(server.now(), kinds::SIGN_IN_FAILED, Via::Api)
            })
            .collect();
        server
            .storage()
            .record(events)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    async fn export(server: &Server, format: ExportFormat) -> (String, u64) {
        let mut export = AuditExport::start(server, None, None, format, Trail::console())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let mut out = Vec::new();
        let mut chunks = 0;
        while let Some(chunk) = export.next_chunk().await.unwrap_or_else(|e| panic!("{e}")) {
            out.extend(chunk);
            chunks += 1;
        }
        assert!(chunks >= 2, "the export came in pages");
        (
            String::from_utf8(out).unwrap_or_else(|e| panic!("{e}")),
            export.exported(),
        )
    }

    #[tokio::test]
    async fn a_log_longer_than_a_page_verifies_against_its_heads() {
        let (_dir, server) = server().await;
        let heads = record(&server, PAGE * 2 + 5).await;
        let verified = verify(&server, &[heads[3].clone(), heads[PAGE + 1].clone()])
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(verified.events, PAGE as u64 * 2 + 5);
        assert_eq!(verified.head.as_ref(), heads.last());

        let beyond = Head {
            position: heads.len() as u64 + 3,
            hash: "ab".repeat(32),
        };
        match verify(&server, std::slice::from_ref(&beyond)).await {
            Err(VerifyError::Broken(Problem::Truncated { ends_at, vouched })) => {
                assert_eq!(ends_at, heads.len() as u64);
                assert_eq!(vouched, beyond);
            }
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn the_json_export_is_every_event_as_hashed_and_is_itself_recorded() {
        let (_dir, server) = server().await;
        record(&server, PAGE + 10).await;
        let (json, exported) = export(&server, ExportFormat::Json).await;
        let events: Vec<Event> = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
        // The export's own event is the last one it holds.
        assert_eq!(exported, PAGE as u64 + 11);
        assert_eq!(events.len() as u64, exported);
        let last = events.last().map(|e| e.kind.as_str());
        assert_eq!(last, Some(kinds::AUDIT_EXPORTED));
        assert_eq!(json.lines().count(), events.len() + 2, "one event a line");
        let verified = countersign_audit::verify(events.into_iter().map(Ok::<_, ()>), &[]);
        assert!(verified.is_ok(), "{verified:?}");
    }

    #[tokio::test]
    async fn the_csv_export_has_a_row_per_event_and_no_formulas() {
        let (_dir, server) = server().await;
        record(&server, 3).await;
        let (csv, exported) = export(&server, ExportFormat::Csv).await;
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        let header: Vec<String> = reader
            .headers()
            .unwrap_or_else(|e| panic!("{e}"))
            .iter()
            .map(str::to_owned)
            .collect();
        assert_eq!(header, CSV_COLUMNS);
        let rows: Vec<csv::StringRecord> = reader
            .records()
            .collect::<Result<_, _>>()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rows.len() as u64, exported);
        assert_eq!(rows.len(), 4);
        assert_eq!(&rows[0][0], "1");
        assert_eq!(&rows[3][2], kinds::AUDIT_EXPORTED);
        assert_eq!(
            &rows[3][4], "countersign-server",
            "the console operator is named"
        );
        assert!(rows[0][10].contains("=SUM(A1)"));
        assert!(!csv.lines().any(|l| l.starts_with('=')));
    }

    #[tokio::test]
    async fn an_export_covers_its_times_and_not_what_is_written_after_it_starts() {
        let (_dir, server) = server().await;
        record(&server, 2).await;
        let middle = server.now() + chrono::TimeDelta::microseconds(1);
        let later = NewEvent::new(
            middle + chrono::TimeDelta::seconds(1),
            kinds::SIGN_OUT,
            Via::Api,
        );
        server
            .storage()
            .record(vec![later])
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let mut export = AuditExport::start(
            &server,
            Some(middle),
            Some(middle + chrono::TimeDelta::seconds(2)),
            ExportFormat::Json,
            Trail::console(),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        record(&server, 2).await;
        let mut out = Vec::new();
        while let Some(chunk) = export.next_chunk().await.unwrap_or_else(|e| panic!("{e}")) {
            out.extend(chunk);
        }
        let events: Vec<Event> = serde_json::from_slice(&out).unwrap_or_else(|e| panic!("{e}"));
        let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
        // The export's own event falls in its window; the two written after it do not.
        assert_eq!(kinds, [kinds::SIGN_OUT, kinds::AUDIT_EXPORTED]);

        let backwards = AuditExport::start(
            &server,
            Some(middle),
            Some(middle - chrono::TimeDelta::seconds(1)),
            ExportFormat::Csv,
            Trail::console(),
        )
        .await;
        assert!(
            matches!(backwards, Err(ServerError::Invalid(_))),
            "{backwards:?}"
        );
    }
}

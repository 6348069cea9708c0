//! "Who has access to what": every account with its roles, teams, channels, steps,
//! two-factor state, last sign-in, live sessions and whether it is disabled — and the
//! two-factor policy by role.

use crate::Server;
use crate::admin::{Names, user_named};
use crate::directory::visible_channels;
use crate::error::ServerError;
use crate::trail::Trail;
use countersign_core::Role;
use countersign_core::wire::admin::{AccessEntry, TwoFactorState};
use std::fmt::Write as _;

/// Every account (or only `username`'s), by username.
pub async fn access(
    server: &Server,
    username: Option<&str>,
) -> Result<Vec<AccessEntry>, ServerError> {
    let users = match username {
        Some(name) => vec![user_named(server, name).await?],
        None => server.storage().users().await?,
    };
    let names = Names::load(server).await?;
    let required = server.storage().two_factor_roles().await?;
    let stats = server.storage().session_stats(server.now()).await?;
    Ok(users
        .iter()
        .map(|u| {
            let stat = stats.iter().find(|s| s.user_id == u.id);
            AccessEntry {
                username: u.username.clone(),
                display_name: u.display_name.clone(),
                roles: u.roles.clone(),
                teams: u.teams.iter().map(|t| names.team(*t)).collect(),
                channels: visible_channels(u, names.channels())
                    .iter()
                    .map(|c| c.name.clone())
                    .collect(),
                channels_limited: matches!(u.channels, countersign_core::ChannelAccess::Only(_))
                    && !u.roles.contains(&Role::Admin),
                steps: u.steps.clone(),
                two_factor: TwoFactorState {
                    enrolled: u.totp_secret.is_some(),
                    required: u.roles.iter().any(|r| required.contains(r)),
                },
                last_sign_in_at: stat.and_then(|s| s.last_sign_in_at),
                live_sessions: if u.is_active() {
                    stat.map_or(0, |s| s.live_sessions)
                } else {
                    0
                },
                disabled: !u.is_active(),
            }
        })
        .collect())
}

/// `username`'s line of the report (what the admin API answers after changing an account).
pub async fn access_of(server: &Server, username: &str) -> Result<AccessEntry, ServerError> {
    access(server, Some(username))
        .await?
        .pop()
        .ok_or_else(|| crate::admin::no_such_user(username))
}

/// How to print the access report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessFormat {
    /// Aligned columns for a terminal.
    Table,
    /// A JSON array of [`AccessEntry`].
    Json,
    /// CSV with a header row, for a spreadsheet (lists joined with `; `).
    Csv,
}

const COLUMNS: [&str; 10] = [
    "username",
    "name",
    "roles",
    "teams",
    "channels",
    "steps",
    "2fa",
    "last sign-in",
    "sessions",
    "status",
];

fn cells(e: &AccessEntry) -> [String; 10] {
    let roles: Vec<&str> = e.roles.iter().map(|r| r.as_str()).collect();
    [
        e.username.clone(),
        e.display_name.clone(),
        roles.join("; "),
        e.teams.join("; "),
        if e.channels_limited {
            format!("only {}", e.channels.join("; "))
        } else {
            e.channels.join("; ")
        },
        e.steps.join("; "),
        e.two_factor.describe().to_owned(),
        e.last_sign_in_at
            .map_or_else(|| "never".to_owned(), crate::clock::to_text),
        e.live_sessions.to_string(),
        if e.disabled { "disabled" } else { "active" }.to_owned(),
    ]
}

/// The report as text in `format`.
pub fn render_access(entries: &[AccessEntry], format: AccessFormat) -> Result<String, ServerError> {
    match format {
        AccessFormat::Json => serde_json::to_string_pretty(entries)
            .map_err(|e| ServerError::Invalid(format!("cannot write JSON: {e}"))),
        AccessFormat::Csv => {
            let mut out = csv::Writer::from_writer(Vec::new());
            let csv_error = |e: csv::Error| ServerError::Invalid(format!("cannot write CSV: {e}"));
            out.write_record(COLUMNS).map_err(csv_error)?;
            for entry in entries {
                out.write_record(cells(entry)).map_err(csv_error)?;
            }
            let bytes = out
                .into_inner()
                .map_err(|e| ServerError::Invalid(format!("cannot write CSV: {e}")))?;
            String::from_utf8(bytes).map_err(|e| ServerError::Invalid(e.to_string()))
        }
        AccessFormat::Table => {
            let rows: Vec<[String; 10]> = entries.iter().map(cells).collect();
            let mut widths = COLUMNS.map(|c| c.chars().count());
            for row in &rows {
                for (w, cell) in widths.iter_mut().zip(row) {
                    *w = (*w).max(cell.chars().count());
                }
            }
            let mut text = String::new();
            let mut line = |cells: &[String]| {
                let padded: Vec<String> = cells
                    .iter()
                    .zip(widths)
                    .map(|(c, w)| format!("{c:<w$}"))
                    .collect();
                let _ = writeln!(text, "{}", padded.join("  ").trim_end());
            };
            line(&COLUMNS.map(str::to_owned));
            for row in &rows {
                line(row);
            }
            Ok(text)
        }
    }
}

/// The roles whose accounts must use two-factor sign-in.
pub async fn two_factor_roles(server: &Server) -> Result<Vec<Role>, ServerError> {
    Ok(server.storage().two_factor_roles().await?)
}

/// Requires two-factor sign-in for `role` (or, with `required` false, stops requiring it)
/// and returns the roles that need it now. From then on an account holding it without an
/// authenticator cannot sign in (or refresh) until an administrator enrols it.
pub async fn require_two_factor(
    server: &Server,
    trail: &Trail,
    role: Role,
    required: bool,
) -> Result<Vec<Role>, ServerError> {
    let mut roles = two_factor_roles(server).await?;
    roles.retain(|r| *r != role);
    if required {
        roles.push(role);
    }
    roles.sort_by_key(|r| r.as_str());
    server
        .storage()
        .set_two_factor_roles(roles.clone(), server.now(), trail.clone())
        .await?;
    Ok(roles)
}

/// Sets exactly the roles whose accounts must use two-factor sign-in, and returns them.
pub async fn set_two_factor_roles(
    server: &Server,
    trail: &Trail,
    mut roles: Vec<Role>,
) -> Result<Vec<Role>, ServerError> {
    roles.sort_by_key(|r| r.as_str());
    roles.dedup();
    server
        .storage()
        .set_two_factor_roles(roles.clone(), server.now(), trail.clone())
        .await?;
    Ok(roles)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn entry(name: &str) -> AccessEntry {
        AccessEntry {
            username: name.into(),
            display_name: "Sam, \"the\" Agency".into(),
            roles: vec![Role::Author],
            teams: vec!["Brand & Campaigns".into()],
            channels: vec!["brand-instagram".into(), "brand-threads".into()],
            channels_limited: true,
            steps: vec![],
            two_factor: TwoFactorState {
                enrolled: false,
                required: true,
            },
            last_sign_in_at: chrono::Utc.with_ymd_and_hms(2026, 12, 1, 9, 12, 0).single(),
            live_sessions: 2,
            disabled: false,
        }
    }

    #[test]
    fn the_report_prints_as_a_table_csv_and_json() {
        let entries = vec![entry("agency")];
        let table = render_access(&entries, AccessFormat::Table).unwrap();
        let lines: Vec<&str> = table.lines().collect();
        assert!(lines[0].starts_with("username"), "{table}");
        assert!(
            lines[1].contains("only brand-instagram; brand-threads"),
            "{table}"
        );
        assert!(lines[1].contains("REQUIRED, not enrolled"), "{table}");

        let csv = render_access(&entries, AccessFormat::Csv).unwrap();
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        let row = reader.records().next().unwrap().unwrap();
        assert_eq!(&row[1], "Sam, \"the\" Agency", "quotes and commas survive");
        assert_eq!(&row[8], "2");

        let json = render_access(&entries, AccessFormat::Json).unwrap();
        let back: Vec<AccessEntry> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, entries);
    }
}

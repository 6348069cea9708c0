//! Where `audit export` and `drafts export` write: a file readable by this user only, or
//! stdout.

use anyhow::Context;
use clap::ValueEnum;
use countersign_server::export::{ExportFormat, Framed, PageSource};
use std::io::Write;
use std::path::Path;

/// `--format`.
#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Json,
    Csv,
}

impl From<Format> for ExportFormat {
    fn from(format: Format) -> Self {
        match format {
            Format::Json => ExportFormat::Json,
            Format::Csv => ExportFormat::Csv,
        }
    }
}

/// `--out`, created readable by this user only (and emptied), or stdout without it. Opened
/// before the export starts: a path that cannot be written stops the command before the
/// export is recorded.
pub fn open(out: Option<&Path>) -> anyhow::Result<Box<dyn Write>> {
    Ok(match out {
        Some(path) => {
            countersign_private::file(path)?;
            let file = std::fs::OpenOptions::new()
                .write(true)
                .truncate(true)
                .open(path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            Box::new(std::io::BufWriter::new(file))
        }
        None => Box::new(std::io::BufWriter::new(std::io::stdout())),
    })
}

/// Writes all of `export` to `out`, a page at a time, and says how many rows went out.
pub async fn copy<S: PageSource>(
    mut export: Framed<S>,
    mut out: Box<dyn Write>,
) -> anyhow::Result<u64> {
    while let Some(chunk) = export.next_chunk().await? {
        out.write_all(&chunk)?;
    }
    out.flush()?;
    Ok(export.exported())
}

//! The printed table.

use std::fmt::Write;
use std::time::Duration;

/// One line of the table.
#[derive(Clone, Debug)]
pub struct Row {
    /// What was measured.
    pub what: String,
    /// The figure, formatted.
    pub figure: String,
    /// The baseline or context, formatted.
    pub against: String,
    /// The target it is held to.
    pub target: String,
    /// Whether the target was met.
    pub met: bool,
}

/// Everything measured.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// The lines, in order.
    pub rows: Vec<Row>,
}

impl Report {
    /// Adds a line.
    pub fn add(
        &mut self,
        what: impl Into<String>,
        figure: impl Into<String>,
        against: impl Into<String>,
        target: impl Into<String>,
        met: bool,
    ) {
        self.rows.push(Row {
            what: what.into(),
            figure: figure.into(),
            against: against.into(),
            target: target.into(),
            met,
        });
    }

    /// A Markdown table.
    pub fn table(&self) -> String {
        let mut out = String::from(
            "| measurement | result | baseline / detail | target | met |\n|---|---|---|---|---|\n",
        );
        for r in &self.rows {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                r.what,
                r.figure,
                r.against,
                r.target,
                if r.met { "yes" } else { "NO" }
            );
        }
        out
    }
}

/// `1.234 s`, `12.3 ms`, `456 µs`.
pub fn human(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs >= 1.0 {
        format!("{secs:.3} s")
    } else if secs >= 0.001 {
        format!("{:.1} ms", secs * 1e3)
    } else {
        format!("{:.0} µs", secs * 1e6)
    }
}

/// The `q` quantile (0..=1) of sorted durations.
pub fn quantile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_pick_the_right_rank() {
        let v: Vec<_> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(quantile(&v, 0.5), Duration::from_millis(51));
        assert_eq!(quantile(&v, 0.99), Duration::from_millis(99));
        assert_eq!(quantile(&[], 0.5), Duration::ZERO);
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human(Duration::from_millis(1500)), "1.500 s");
        assert_eq!(human(Duration::from_micros(2500)), "2.5 ms");
        assert_eq!(human(Duration::from_micros(420)), "420 µs");
    }
}

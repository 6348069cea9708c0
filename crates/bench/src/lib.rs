//! The benchmark behind `countersign-bench`.
//!
//! Each figure is measured in the same run as its baseline, on the same machine:
//! - **cold pull**: an empty encrypted cache pulls N drafts (~600-byte JSON each) from a real
//!   server on loopback; the **baseline** parses the very same page bodies and inserts them
//!   with the same store code, without HTTP or a server — what is left between the two is
//!   the cost of the protocol.
//! - **no-change sync**: a synced desktop syncs again: requests, bytes and time.
//! - **push**: N decisions queued offline are pushed (results recorded in the cache).
//! - **durable decision**: one decision committed (fsync'd) to the outbox, p50 and p99.
#![deny(missing_docs)]

pub mod audit;
pub mod desktop;
mod measure;
mod relay;
mod report;
pub mod search;
mod setup;

pub use measure::run;
pub use report::{Report, Row};

/// What to measure.
#[derive(Clone, Debug)]
pub struct Options {
    /// Cold-pull sizes.
    pub pull_sizes: Vec<usize>,
    /// Decisions to push.
    pub push: usize,
    /// Single decisions to time.
    pub decisions: usize,
    /// No-change syncs to time.
    pub idle_syncs: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The benchmark runs end to end at a toy size (no timing is asserted: CI machines
    /// vary; the figures are for people).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_benchmark_runs_end_to_end_on_a_small_workload() {
        let report = run(&Options {
            pull_sizes: vec![150],
            push: 120,
            decisions: 20,
            idle_syncs: 3,
        })
        .await
        .expect("benchmark runs");
        assert_eq!(report.rows.len(), 5, "{}", report.table());
    }
}

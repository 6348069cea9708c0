//! One instance per cache folder: starting Countersign again while it runs hands over to
//! the running window (which comes to the front) and exits, instead of a second app on the
//! same encrypted cache.

use crate::REVIEWER;
use crate::harness::{Desktop, demo_server, enabled};
use serde_json::json;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_start_on_the_same_folder_exits_and_leaves_the_running_window_as_it_was() {
    if !enabled() {
        return;
    }
    let server = demo_server().await;
    let desktop = Desktop::launch_with(&server.url(), &[]).await;
    desktop.sign_in(REVIEWER).await;
    let s = &desktop.session;

    let mut second = desktop.start_again();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = second.try_wait().expect("the second start") {
            break status;
        }
        if started.elapsed() > Duration::from_secs(20) {
            let _ = second.kill();
            panic!("a second Countersign kept running next to the first");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        status.success(),
        "the second start hands over and exits: {status}"
    );

    // The first one is untouched: still signed in, still answering.
    let rows = s
        .script(
            "return document.querySelectorAll('[data-testid=queue-row]').length;",
            json!([]),
        )
        .await;
    assert!(
        rows.as_u64() > Some(0),
        "the running window still shows the queue"
    );
    desktop.close().await;
}

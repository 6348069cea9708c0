//! What the benchmark does in the app's page, through WebDriver: sign in, read start-up
//! marks, time a decision from key press to screen, scroll the queue.
//!
//! Timings inside the page come from the page's own clock (`performance.now()`), so the
//! WebDriver round trips that deliver the key or read the results are not in them.

use anyhow::Context;
use countersign_webdriver::Session;
use serde_json::{Value, json};
use std::time::Duration;

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "countersign-demo";

/// Signs in through the form and waits for the first queue row.
pub async fn sign_in(s: &Session, username: &str) -> anyhow::Result<()> {
    let user = s.find("[data-testid=signin-username]").await?;
    s.type_into(&user, username).await?;
    let password = s.find("[data-testid=signin-password]").await?;
    s.type_into(&password, DEMO_PASSWORD).await?;
    s.click(&s.find("[data-testid=signin-submit]").await?)
        .await?;
    s.find("[data-testid=queue-row]").await?;
    Ok(())
}

/// How many drafts the queue holds, from its heading ("10063 to review").
pub async fn queue_len(s: &Session) -> anyhow::Result<usize> {
    let text = s
        .script(
            "return document.getElementById('queue-count')?.textContent ?? '';",
            json!([]),
        )
        .await?;
    let text = text.as_str().unwrap_or_default();
    Ok(text
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse::<usize>().ok())
        .sum())
}

/// Waits until the queue holds at least `n` drafts (the first sync of a big backlog).
pub async fn wait_for_queue(s: &Session, n: usize) -> anyhow::Result<()> {
    let what = format!("the queue to hold {n} drafts");
    s.wait_for_within(&what, Duration::from_secs(180), || async {
        (queue_len(s).await.ok()? >= n).then_some(())
    })
    .await?;
    Ok(())
}

/// One decision from the keyboard, timed in the page.
#[derive(Clone, Copy, Debug)]
pub struct KeyTiming {
    /// From the key event to the row marked as decided in the DOM.
    pub shown: Duration,
    /// From the key event to the start of the next frame (when it reaches the screen).
    pub frame: Duration,
}

/// Arms the page to time the next `a`: a capturing key listener notes when the key arrived,
/// a mutation observer when the selected row turned "decided", and the frame after that.
const ARM_KEY_TIMING: &str = "
  const id = document.querySelector('[data-testid=queue-row][aria-selected=true]')?.dataset.id;
  if (!id) return null;
  const rec = window.__keyTiming = {id, key: null, shown: null, frame: null};
  document.addEventListener('keydown', (e) => {
    if (rec.key === null) rec.key = Math.min(performance.now(), e.timeStamp > 0 ? e.timeStamp : Infinity);
  }, {capture: true, once: true});
  const observer = new MutationObserver(() => {
    const row = document.querySelector(`[data-testid=queue-row][data-id=\"${id}\"]`);
    if (rec.shown === null && row && row.dataset.state !== 'pending') {
      rec.shown = performance.now();
      observer.disconnect();
      requestAnimationFrame(() => { rec.frame = performance.now(); });
    }
  });
  observer.observe(document.getElementById('queue'),
    {subtree: true, childList: true, attributes: true, attributeFilter: ['data-state']});
  return id;";

/// The most rows passed over looking for one to approve.
const MAX_MOVES: usize = 300;

/// Moves the selection down (`j`) to the next row `a` approves in one key (pending, no
/// finding at warn or block, which ask for a reason, and not late, which asks first);
/// false when there is none within [`MAX_MOVES`] rows.
async fn select_routine(s: &Session) -> anyhow::Result<bool> {
    for moves in 0..MAX_MOVES {
        match super::reviewer::selected(s).await? {
            None => return Ok(false),
            Some(focus) if focus.row.routine() => {
                if moves > 0 {
                    // The draft pane follows the selection after a short debounce.
                    tokio::time::sleep(Duration::from_millis(400)).await;
                }
                return Ok(true);
            }
            Some(_) => s.press("j").await?,
        }
    }
    Ok(false)
}

/// Approves the next draft `a` approves in one key (moving down to it) and times the key;
/// `None` when there is none.
pub async fn time_approve_key(s: &Session) -> anyhow::Result<Option<KeyTiming>> {
    if !select_routine(s).await? || s.script(ARM_KEY_TIMING, json!([])).await?.is_null() {
        return Ok(None);
    }
    s.press("a").await?;
    let rec = s
        .wait_for("the decision to show as done", || async {
            let rec = s
                .script("return window.__keyTiming;", json!([]))
                .await
                .ok()?;
            rec["frame"].is_number().then_some(rec)
        })
        .await?;
    let at = |name: &str| rec[name].as_f64().context("a key timing is missing");
    let (key, shown, frame) = (at("key")?, at("shown")?, at("frame")?);
    let span = |end: f64| Duration::from_secs_f64((end - key).max(0.0) / 1e3);
    Ok(Some(KeyTiming {
        shown: span(shown),
        frame: span(frame),
    }))
}

/// Scrolling the queue a page per frame, from the top.
#[derive(Clone, Debug)]
pub struct ScrollTiming {
    /// The time between consecutive frames.
    pub frames: Vec<Duration>,
    /// The most rows that existed in the DOM at once.
    pub max_rows: usize,
    /// Rows in the queue.
    pub total_rows: usize,
}

const SCROLL: &str = "
  const total = arguments[0];
  const q = document.querySelector('[data-testid=queue]');
  const out = window.__scroll = {frames: [], maxRows: 0, done: false};
  q.scrollTop = 0;
  let last = 0, n = 0;
  const step = (t) => {
    out.frames.push(t - last);
    last = t;
    out.maxRows = Math.max(out.maxRows, document.querySelectorAll('[data-testid=queue-row]').length);
    q.scrollTop += q.clientHeight;
    if (++n < total) requestAnimationFrame(step); else out.done = true;
  };
  requestAnimationFrame((t) => { last = t; requestAnimationFrame(step); });
  return true;";

/// Scrolls the queue by one screen on each of `frames` frames and times the frames.
pub async fn scroll_queue(s: &Session, frames: usize) -> anyhow::Result<ScrollTiming> {
    s.script(SCROLL, json!([frames])).await?;
    let out = s
        .wait_for("the scroll to finish", || async {
            let out = s.script("return window.__scroll;", json!([])).await.ok()?;
            (out["done"] == json!(true)).then_some(out)
        })
        .await?;
    let frames = out["frames"]
        .as_array()
        .context("no frame times")?
        .iter()
        .filter_map(Value::as_f64)
        .map(|ms| Duration::from_secs_f64(ms.max(0.0) / 1e3))
        .collect();
    Ok(ScrollTiming {
        frames,
        max_rows: out["maxRows"].as_u64().unwrap_or_default() as usize,
        total_rows: queue_len(s).await?,
    })
}

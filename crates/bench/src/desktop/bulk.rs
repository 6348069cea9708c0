//! Bulk approval in the app's page, through WebDriver: check `n` rows (`x`, then Shift+J),
//! `A` to the confirmation, Enter to the approvals shown. Times come from the page's clock,
//! from the key event to the first frame after the DOM shows the result.

use crate::report::{Report, human};
use anyhow::Context;
use countersign_webdriver::Session;
use serde_json::{Value, json};
use std::time::Duration;

/// Drafts in one timed bulk approval.
pub const DRAFTS: usize = 20;

const ENTER: &str = "\u{E007}";
const SHIFT: &str = "\u{E008}";

/// One bulk approval, timed in the page.
#[derive(Clone, Copy, Debug)]
pub struct BulkTiming {
    /// Drafts checked.
    pub checked: usize,
    /// Of those, the ones the confirmation said it would approve.
    pub eligible: usize,
    /// `A` → the confirmation on screen (Rust's `bulk_check` answered and drawn).
    pub confirm: Duration,
    /// Enter → every checked row on screen marked decided (the next frame); rows off
    /// screen are drawn when scrolled to.
    pub shown: Duration,
    /// Enter → the toast saying they were recorded (`decide_many` returned: each approval
    /// its own fsync'd outbox row).
    pub recorded: Duration,
}

/// Arms the page: the next keydown's time, then the time (and the frame after) at which
/// each named condition first holds, checked on every DOM change. The conditions are
/// written here, not sent as strings: the app's CSP refuses `eval`.
const ARM: &str = "
  const names = arguments[0];
  const ids = arguments[1];
  const row = (id) => document.querySelector(`[data-testid=queue-row][data-id=\"${id}\"]`);
  const conditions = {
    confirm: () => document.querySelector('[data-testid=bulk-confirm]') !== null,
    shown: () => ids.every((id) => { const r = row(id); return !r || r.dataset.state !== 'pending'; }),
    recorded: () => [...document.querySelectorAll('[data-testid=toast]')]
      .some((t) => t.textContent.startsWith('Approved')),
  };
  const rec = window.__bulkTiming = {key: null, at: {}, frame: {}};
  document.addEventListener('keydown', () => {
    if (rec.key === null) rec.key = performance.now();
  }, {capture: true, once: true});
  const check = () => {
    if (rec.key === null) return;
    for (const name of names) {
      if (rec.at[name] === undefined && conditions[name]()) {
        rec.at[name] = performance.now();
        requestAnimationFrame(() => { rec.frame[name] = performance.now(); });
      }
    }
    if (names.every((name) => rec.at[name] !== undefined)) observer.disconnect();
  };
  const observer = new MutationObserver(check);
  observer.observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
  return true;";

/// Arms the page for the conditions `names` (see [`ARM`]) over the row `ids`, runs `press`,
/// and returns the time from the key to the frame after each condition held, in order.
async fn timed(
    s: &Session,
    names: &[&str],
    ids: Value,
    press: impl std::future::Future<Output = anyhow::Result<()>>,
) -> anyhow::Result<Vec<Duration>> {
    s.script(ARM, json!([names, ids])).await?;
    press.await?;
    let rec = s
        .wait_for_within("the bulk step to show", Duration::from_secs(60), || async {
            let rec = s
                .script("return window.__bulkTiming;", json!([]))
                .await
                .ok()?;
            names
                .iter()
                .all(|n| rec["frame"][*n].is_number())
                .then_some(rec)
        })
        .await?;
    let key = rec["key"].as_f64().context("no key time")?;
    names
        .iter()
        .map(|n| {
            let end = rec["frame"][*n].as_f64().context("no frame time")?;
            Ok(Duration::from_secs_f64((end - key).max(0.0) / 1e3))
        })
        .collect()
}

/// Checks `n` rows from the selected one down, opens the confirmation with `A` and confirms
/// with Enter, timing both steps.
pub async fn time_bulk_approval(s: &Session, n: usize) -> anyhow::Result<BulkTiming> {
    s.press("x").await?;
    for _ in 1..n {
        s.press_holding(&[SHIFT], &["J"]).await?;
    }
    let ids = s
        .script(
            "return [...document.querySelectorAll('[data-testid=queue-row][data-checked=true]')].map((r) => r.dataset.id);",
            json!([]),
        )
        .await?;
    let confirm = timed(s, &["confirm"], ids.clone(), async {
        Ok(s.press("A").await?)
    })
    .await?[0];
    // Rows off screen are not in the DOM: the confirmation counts the whole selection.
    let title = s
        .script(
            "return document.querySelector('[data-testid=bulk-title]')?.textContent ?? '';",
            json!([]),
        )
        .await?;
    let left_out = s
        .script(
            "return document.querySelectorAll('[data-testid=bulk-left-out]').length;",
            json!([]),
        )
        .await?
        .as_u64()
        .unwrap_or(0) as usize;
    let eligible = title
        .as_str()
        .unwrap_or_default()
        .split(|c: char| !c.is_ascii_digit())
        .find_map(|w| w.parse().ok())
        .unwrap_or(0);
    if eligible == 0 {
        anyhow::bail!("none of the {left_out} checked drafts may be approved in bulk");
    }
    // Those left out stay pending: "shown" waits for the others.
    let approved = s
        .script(
            "const out = new Set([...document.querySelectorAll('[data-testid=bulk-left-out]')]
               .map((li) => li.dataset.draftId));
             return arguments[0].filter((id) => !out.has(id));",
            json!([ids]),
        )
        .await?;
    let after = timed(s, &["shown", "recorded"], approved, async {
        Ok(s.press(ENTER).await?)
    })
    .await?;
    let timing = BulkTiming {
        checked: eligible + left_out,
        eligible,
        confirm,
        shown: after[0],
        recorded: after[1],
    };
    // Said as it is measured: the table comes only at the end of the whole run.
    eprintln!(
        "bulk approval: {} of {} checked eligible; A → confirmation {}, Enter → shown {}, → recorded {}",
        timing.eligible,
        timing.checked,
        human(timing.confirm),
        human(timing.shown),
        human(timing.recorded)
    );
    Ok(timing)
}

/// The table's row for one profile's bulk approval.
pub fn add_row(report: &mut Report, drafts: usize, timing: &BulkTiming) {
    report.add(
        format!(
            "key press → bulk approval of {} shown, {drafts} drafts",
            timing.checked
        ),
        format!("Enter → rows shown {} (next frame)", human(timing.shown)),
        format!(
            "A → confirmation {}; Enter → recorded ({} outbox rows, each fsync'd) {}; {} of {} checked were eligible",
            human(timing.confirm),
            timing.eligible,
            human(timing.recorded),
            timing.eligible,
            timing.checked
        ),
        "≤ 50 ms shown",
        timing.checked == DRAFTS && timing.shown <= Duration::from_millis(50),
    );
}

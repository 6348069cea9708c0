//! The scripted reviewer: a reviewer clears the 65-draft demo queue from the keyboard, in
//! the real app through WebDriver, and the benchmark counts the keys and the seconds.
//!
//! The script decides from what the window shows, never from draft ids or the demo's
//! catalogue: the row's badges (the guard's worst finding, "late"), and the draft pane
//! (the findings with their severity, whether the rules let this reviewer approve).
//!
//! 1. **Bulk**: from the top, rows the row badges call routine (no finding at warn or
//!    block, not late) are checked — `x` on a routine row whose neighbour is not,
//!    `Shift+J` across a run of them — then `A` and Enter on the confirmation. Which of the
//!    checked drafts may go in bulk is the app's rule; the ones it leaves out come back in
//!    step 2.
//! 2. **One by one**, on the rows still pending, from the top: a draft with a blocking
//!    finding is rejected with a reason (`r`, the reason, Enter); on two drafts with a
//!    warning the words it flags are selected (`v`, Ctrl+→ to them, Shift+Ctrl+→ over them)
//!    and commented on with a suggested replacement (`m`, comment, Tab, replacement, Enter),
//!    then sent back (`c`, a note, Enter); other warnings and routine drafts left out of the
//!    bulk approval are approved with `a` (a late one confirmed on the question it asks);
//!    a draft this reviewer may not approve (another step's) is rejected only if it breaks
//!    the policy, and otherwise passed over with `j` and left for whoever holds that step.
//! 3. The clock stops when the title says nothing is left to review. Then the app syncs,
//!    and the server's own records are read: every decision the script made must be there,
//!    by this reviewer, with its verdict, and each comment with its suggestion. Anything
//!    missing is an error, not a row in the table.
//!
//! Keys the build does not have yet (bulk, selecting words) are read from the `?` help,
//! which lists every key from the app's action table; without them the script does the
//! same work with the keys there are (approving one by one, commenting on the whole draft)
//! and says so in the table.

use super::{DemoServer, DesktopOptions, Profile, page};
use crate::report::{Report, human};
use anyhow::{Context, bail, ensure};
use countersign_core::{DraftId, HistoryEvent, Verdict};
use countersign_webdriver::Session;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

const SHIFT: &str = "\u{E008}";
const CONTROL: &str = "\u{E009}";
const ENTER: &str = "\u{E007}";
const TAB: &str = "\u{E004}";
const ESCAPE: &str = "\u{E00C}";
const RIGHT: &str = "\u{E014}";

/// Drafts commented on with a suggested replacement.
const SUGGESTIONS: usize = 2;

/// The keyboard, counting what is pressed: command keys (a chord such as Shift+J is one)
/// and characters typed into a box.
struct Keyboard<'a> {
    s: &'a Session,
    commands: usize,
    typed: usize,
}

impl<'a> Keyboard<'a> {
    fn new(s: &'a Session) -> Self {
        Keyboard {
            s,
            commands: 0,
            typed: 0,
        }
    }

    async fn key(&mut self, key: &str) -> anyhow::Result<()> {
        self.s.press(key).await?;
        self.commands += 1;
        Ok(())
    }

    /// `key` pressed once while holding `modifiers`.
    async fn chord(&mut self, modifiers: &[&str], key: &str) -> anyhow::Result<()> {
        self.s.press_holding(modifiers, &[key]).await?;
        self.commands += 1;
        Ok(())
    }

    /// Types `text` into whatever has the focus, a key per character.
    async fn type_text(&mut self, text: &str) -> anyhow::Result<()> {
        let chars: Vec<String> = text.chars().map(String::from).collect();
        let keys: Vec<&str> = chars.iter().map(String::as_str).collect();
        self.s.press_keys(&keys).await?;
        self.typed += chars.len();
        Ok(())
    }

    fn total(&self) -> usize {
        self.commands + self.typed
    }
}

/// What the script did with a draft.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// Approved in the bulk approval.
    BulkApproved,
    /// Approved with `a` (left out of the bulk approval, or no bulk keys in this build).
    Approved,
    /// Approved past its time, after the late question.
    ApprovedLate,
    /// Rejected with a reason.
    Rejected,
    /// Commented on (words and a suggested replacement) and sent back.
    Suggested,
    /// Not this reviewer's to approve and not a breach: left for the step's holder.
    LeftForOthers,
}

impl Outcome {
    fn words(self) -> &'static str {
        match self {
            Outcome::BulkApproved => "approved in bulk",
            Outcome::Approved => "approved one by one",
            Outcome::ApprovedLate => "approved late (confirmed)",
            Outcome::Rejected => "rejected with a reason",
            Outcome::Suggested => "commented on with a suggestion and sent back",
            Outcome::LeftForOthers => "left for another step's holder",
        }
    }

    /// The verdict the server must hold for it, if it is a decision.
    fn verdict(self) -> Option<Verdict> {
        match self {
            Outcome::BulkApproved | Outcome::Approved | Outcome::ApprovedLate => {
                Some(Verdict::Approve)
            }
            Outcome::Rejected => Some(Verdict::Reject),
            Outcome::Suggested => Some(Verdict::RequestChanges),
            Outcome::LeftForOthers => None,
        }
    }
}

/// Keys and count per kind of outcome.
#[derive(Clone, Copy, Debug, Default)]
struct Tally {
    drafts: usize,
    commands: usize,
    typed: usize,
}

/// What the scripted reviewer measured.
#[derive(Clone, Debug)]
pub struct ReviewerFigures {
    /// Drafts in the queue at the start.
    pub drafts: usize,
    /// From the first key to the title saying nothing is left to review.
    pub elapsed: Duration,
    /// From then until the server held every decision.
    pub synced: Duration,
    /// Command keys pressed (chords count once), including moving between drafts.
    pub commands: usize,
    /// Characters typed into reasons, comments and suggestions.
    pub typed: usize,
    /// Decisions made (drafts passed over for another step's holder are not decisions).
    pub decisions: usize,
    /// Per outcome: drafts, keys, characters.
    by_outcome: BTreeMap<Outcome, Tally>,
    /// Keys the script wanted and this build does not have.
    pub missing_keys: Vec<&'static str>,
}

/// One queue row as the window shows it.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct Row {
    id: String,
    index: usize,
    state: String,
    /// The risk badge: `block`, `warn`, `info`, `pre`, `unreviewed`, or none.
    risk: Option<String>,
    late: bool,
}

impl Row {
    /// Routine as the row shows it: pending, nothing at warn or block, not late — one `a`
    /// approves it.
    pub(crate) fn routine(&self) -> bool {
        self.state == "pending" && !self.late && matches!(self.risk.as_deref(), None | Some("info"))
    }
}

/// The selected row, and the one under it if it is drawn.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct Focus {
    pub(crate) row: Row,
    below: Option<Row>,
}

const FOCUS: &str = "
  const info = (r) => r && ({
    id: r.dataset.id, index: Number(r.dataset.index), state: r.dataset.state,
    risk: r.querySelector('[data-testid=risk-badge]')?.dataset.risk ?? null,
    late: Boolean(r.querySelector('[data-testid=late-badge]')),
  });
  const rows = [...document.querySelectorAll('[data-testid=queue-row]')];
  const sel = rows.find((r) => r.getAttribute('aria-selected') === 'true');
  if (!sel) return null;
  const below = rows.find((r) => Number(r.dataset.index) === Number(sel.dataset.index) + 1);
  return {row: info(sel), below: info(below) ?? null};";

/// One finding as the draft pane lists it.
#[derive(Clone, Debug, Deserialize)]
struct Finding {
    severity: String,
    rule: String,
    quotes: Vec<String>,
}

/// The draft pane, once it shows the selected draft.
#[derive(Clone, Debug, Deserialize)]
struct Pane {
    findings: Vec<Finding>,
    /// Why the rules do not let this reviewer approve it, if they do not.
    blocked: Option<String>,
    body: String,
}

impl Pane {
    fn worst(&self, severity: &str) -> Option<&Finding> {
        self.findings.iter().find(|f| f.severity == severity)
    }
}

const PANE: &str = "
  const pane = document.querySelector(`.draft[data-id=\"${arguments[0]}\"]`);
  if (!pane) return null;
  const findings = [...pane.querySelectorAll('[data-testid=finding]')].map((f) => ({
    severity: f.dataset.severity, rule: f.dataset.rule,
    quotes: [...f.querySelectorAll('.finding-quote')].map((q) => q.textContent),
  }));
  return {
    findings,
    blocked: pane.querySelector('[data-testid=approve-blocked]')?.textContent ?? null,
    body: pane.querySelector('[data-testid=draft-body]')?.textContent ?? '',
  };";

/// Where the keyboard caret and selection sit in the body, in code points.
const CARET: &str = "
  const body = document.querySelector('[data-testid=draft-body]');
  const caret = body?.querySelector('[data-testid=selection-caret]');
  if (!body || !caret) return null;
  const range = document.createRange();
  range.setStart(body, 0);
  range.setEndBefore(caret);
  return [...range.toString()].length;";

/// The keys the app's `?` help lists, by action.
async fn keys_listed(s: &Session) -> anyhow::Result<HashSet<String>> {
    s.press("?").await?;
    s.find("[data-testid=key-list]").await?;
    let keys = s
        .script(
            "return [...document.querySelectorAll('[data-testid=key-list] kbd')].map((k) => k.textContent);",
            json!([]),
        )
        .await?;
    s.press(ESCAPE).await?;
    s.wait_for("the help to close", || async {
        let open = s
            .script(
                "return Boolean(document.querySelector('[data-testid=key-list]'));",
                json!([]),
            )
            .await
            .ok()?;
        (open == json!(false)).then_some(())
    })
    .await?;
    Ok(serde_json::from_value::<Vec<String>>(keys)?
        .into_iter()
        .collect())
}

async fn focus(s: &Session) -> anyhow::Result<Focus> {
    let focus = s
        .wait_for("a selected queue row", || async {
            let v = s.script(FOCUS, json!([])).await.ok()?;
            (!v.is_null()).then_some(v)
        })
        .await?;
    Ok(serde_json::from_value(focus)?)
}

/// The selected row as it is now, if one is selected.
pub(crate) async fn selected(s: &Session) -> anyhow::Result<Option<Focus>> {
    Ok(serde_json::from_value(s.script(FOCUS, json!([])).await?)?)
}

/// Waits for the selection to move off `from`.
async fn focus_after(s: &Session, from: &str) -> anyhow::Result<Focus> {
    let focus = s
        .wait_for("the selection to move", || async {
            let v = s.script(FOCUS, json!([])).await.ok()?;
            (v["row"]["id"].as_str().is_some_and(|id| id != from)).then_some(v)
        })
        .await?;
    Ok(serde_json::from_value(focus)?)
}

async fn pane(s: &Session, id: &str) -> anyhow::Result<Pane> {
    let pane = s
        .wait_for("the draft pane to show the selected draft", || async {
            let v = s.script(PANE, json!([id])).await.ok()?;
            (!v.is_null()).then_some(v)
        })
        .await?;
    Ok(serde_json::from_value(pane)?)
}

async fn caret(s: &Session) -> anyhow::Result<usize> {
    let at = s
        .wait_for("the selection caret", || async {
            s.script(CARET, json!([])).await.ok()?.as_u64()
        })
        .await?;
    Ok(at as usize)
}

/// Waits until the row of `id` is no longer pending (the decision shows).
async fn decided(s: &Session, id: &str) -> anyhow::Result<()> {
    s.wait_for("the decision to show on its row", || async {
        let state = s
            .script(
                "return document.querySelector(`[data-testid=queue-row][data-id=\"${arguments[0]}\"]`)?.dataset.state ?? 'gone';",
                json!([id]),
            )
            .await
            .ok()?;
        (state.as_str() != Some("pending")).then_some(())
    })
    .await?;
    Ok(())
}

/// The title's count: drafts left to review.
async fn to_review(s: &Session) -> anyhow::Result<usize> {
    let text = s
        .script(
            "return document.getElementById('queue-count')?.textContent ?? '';",
            json!([]),
        )
        .await?;
    let text = text.as_str().unwrap_or_default();
    text.split(" to review")
        .next()
        .and_then(|n| n.trim().parse().ok())
        .with_context(|| format!("the queue's count reads {text:?}"))
}

/// Waits for a composer box (`testid`) to have the focus.
async fn composer_focused(s: &Session, testid: &str) -> anyhow::Result<()> {
    s.wait_for(&format!("{testid} to have the focus"), || async {
        let v = s
            .script(
                "return document.activeElement?.dataset?.testid === arguments[0];",
                json!([testid]),
            )
            .await
            .ok()?;
        (v == json!(true)).then_some(())
    })
    .await?;
    Ok(())
}

/// The reason the script types for a breach: the rule the guard names, in a short sentence.
fn reject_reason(finding: &Finding) -> String {
    format!("Breaks our policy: {}.", finding.rule)
}

/// The words a warning quotes, and where they start in `body` (code points).
fn flagged_words(pane: &Pane) -> Option<(usize, usize, &str)> {
    let finding = pane.worst("warn")?;
    let quote = finding.quotes.first()?;
    let byte = pane.body.find(quote.as_str())?;
    let start = pane.body[..byte].chars().count();
    Some((start, start + quote.chars().count(), quote))
}

/// The script's run through the queue.
struct Run<'a> {
    s: &'a Session,
    kb: Keyboard<'a>,
    by_outcome: BTreeMap<Outcome, Tally>,
    decided: BTreeMap<String, Outcome>,
    suggested: Vec<(String, String)>,
    verbose: bool,
}

impl<'a> Run<'a> {
    fn note(&mut self, id: &str, outcome: Outcome, before: (usize, usize)) {
        let tally = self.by_outcome.entry(outcome).or_default();
        tally.drafts += 1;
        tally.commands += self.kb.commands - before.0;
        tally.typed += self.kb.typed - before.1;
        self.decided.insert(id.to_owned(), outcome);
        if self.verbose {
            eprintln!("reviewer: {id} {}", outcome.words());
        }
    }

    fn mark(&self) -> (usize, usize) {
        (self.kb.commands, self.kb.typed)
    }

    /// Step 1: checks the routine rows from the top and approves them in one go.
    async fn bulk(&mut self, total: usize) -> anyhow::Result<()> {
        let before = self.mark();
        self.kb.key("g").await?;
        let mut checked: Vec<String> = Vec::new();
        let mut here = focus(self.s).await?;
        while here.row.index < total {
            let row = &here.row;
            let below_routine = here.below.as_ref().is_some_and(Row::routine);
            let is_checked = checked.last() == Some(&row.id);
            let last = row.index + 1 >= total;
            if row.routine() && below_routine && !last {
                // Shift+J checks this row and the next, and moves to it.
                if !is_checked {
                    checked.push(row.id.clone());
                }
                let below = here.below.clone().context("no row below")?;
                checked.push(below.id);
                self.kb.chord(&[SHIFT], "J").await?;
            } else {
                if row.routine() && !is_checked {
                    self.kb.key("x").await?;
                    checked.push(row.id.clone());
                }
                if last {
                    break;
                }
                self.kb.key("j").await?;
            }
            here = focus_after(self.s, &here.row.id).await?;
        }
        if checked.is_empty() {
            return Ok(());
        }
        self.kb.key("A").await?;
        self.s.find("[data-testid=bulk-title]").await?;
        let left_out: Vec<String> = serde_json::from_value(
            self.s
                .script(
                    "return [...document.querySelectorAll('[data-testid=bulk-left-out]')].map((e) => e.dataset.draftId);",
                    json!([]),
                )
                .await?,
        )?;
        let approving: Vec<String> = checked
            .iter()
            .filter(|id| !left_out.contains(id))
            .cloned()
            .collect();
        if approving.is_empty() {
            self.kb.key(ESCAPE).await?;
            return Ok(());
        }
        self.kb.key(ENTER).await?;
        for id in &approving {
            decided(self.s, id).await?;
        }
        let keys = (self.kb.commands - before.0, self.kb.typed - before.1);
        let n = approving.len();
        for id in &approving {
            self.decided.insert(id.clone(), Outcome::BulkApproved);
        }
        let tally = self.by_outcome.entry(Outcome::BulkApproved).or_default();
        tally.drafts += n;
        tally.commands += keys.0;
        tally.typed += keys.1;
        if self.verbose {
            eprintln!(
                "reviewer: {n} approved in bulk ({} checked, {} left out)",
                checked.len(),
                left_out.len()
            );
        }
        Ok(())
    }

    /// Step 2: every row still pending, from the top.
    async fn one_by_one(&mut self, total: usize, can_select: bool) -> anyhow::Result<()> {
        self.kb.key("g").await?;
        let mut passed: HashSet<String> = HashSet::new();
        let mut suggestions_left = SUGGESTIONS;
        loop {
            let left = to_review(self.s).await?;
            if left == passed.len() {
                return Ok(());
            }
            let here = focus(self.s).await?;
            let row = here.row;
            if row.state != "pending" || passed.contains(&row.id) {
                if row.index + 1 >= total {
                    // At the bottom with drafts left above: start again from the top.
                    self.kb.key("g").await?;
                } else {
                    self.kb.key("j").await?;
                }
                focus_after(self.s, &row.id).await?;
                continue;
            }
            let pane = pane(self.s, &row.id).await?;
            if self.verbose {
                let found: Vec<String> = pane
                    .findings
                    .iter()
                    .map(|f| format!("{} {} {:?}", f.severity, f.rule, f.quotes))
                    .collect();
                eprintln!(
                    "reviewer: {} row risk {:?} late {}; pane: {}{}",
                    row.id,
                    row.risk,
                    row.late,
                    found.join("; "),
                    pane.blocked
                        .as_deref()
                        .map(|b| format!("; may not approve: {b}"))
                        .unwrap_or_default()
                );
            }
            let before = self.mark();
            let outcome = if let Some(breach) = pane.worst("block") {
                self.reject(&reject_reason(breach)).await?;
                Outcome::Rejected
            } else if pane.blocked.is_some() {
                passed.insert(row.id.clone());
                self.kb.key("j").await?;
                self.note(&row.id, Outcome::LeftForOthers, before);
                focus_after(self.s, &row.id).await?;
                continue;
            } else if suggestions_left > 0
                && can_select
                && let Some((start, end, words)) = flagged_words(&pane)
            {
                let words = words.to_owned();
                self.suggest(start, end, &words).await?;
                if self.verbose {
                    eprintln!(
                        "reviewer: on “{words}”: suggested “{}”",
                        replacement_for(&words)
                    );
                }
                self.suggested.push((row.id.clone(), words));
                suggestions_left -= 1;
                Outcome::Suggested
            } else {
                self.approve().await?
            };
            decided(self.s, &row.id).await?;
            // The row shows the decision before the title's count follows (the page is
            // read again after it): wait for the count, or the last decision would look
            // like one more draft to find.
            self.s
                .wait_for("the count to review to go down", || async {
                    to_review(self.s).await.ok().filter(|n| *n < left)
                })
                .await?;
            self.note(&row.id, outcome, before);
        }
    }

    async fn reject(&mut self, reason: &str) -> anyhow::Result<()> {
        self.kb.key("r").await?;
        composer_focused(self.s, "composer-input").await?;
        self.kb.type_text(reason).await?;
        self.kb.key(ENTER).await
    }

    /// `a`; a late draft asks first, and Tab reaches "Approve anyway". Done when the
    /// title counts one draft fewer to review (the approved row may have scrolled away).
    async fn approve(&mut self) -> anyhow::Result<Outcome> {
        let before = to_review(self.s).await?;
        self.kb.key("a").await?;
        let late = self
            .s
            .wait_for("the approval or the late question", || async {
                let late = self
                    .s
                    .script(
                        "return Boolean(document.querySelector('[data-testid=late-confirm]'));",
                        json!([]),
                    )
                    .await
                    .ok()?;
                if late == json!(true) {
                    return Some(true);
                }
                (to_review(self.s).await.ok()? < before).then_some(false)
            })
            .await?;
        if late {
            self.kb.key(TAB).await?;
            self.kb.key(ENTER).await?;
            return Ok(Outcome::ApprovedLate);
        }
        Ok(Outcome::Approved)
    }

    /// Selects the code points `start..end` with the keyboard, comments on them with a
    /// suggested replacement, and sends the draft back.
    async fn suggest(&mut self, start: usize, end: usize, words: &str) -> anyhow::Result<()> {
        self.kb.key("v").await?;
        // By word to the flagged words, then by character if a word edge is not on them.
        while caret(self.s).await? < start {
            let at = caret(self.s).await?;
            self.kb.chord(&[CONTROL], RIGHT).await?;
            if caret(self.s).await? > start {
                // Overshot: back to where it was, then a character at a time.
                self.kb.key("\u{E012}").await?;
                let mut now = caret(self.s).await?;
                while now > at && now > start {
                    self.kb.key("\u{E012}").await?;
                    now = caret(self.s).await?;
                }
                while caret(self.s).await? < start {
                    self.kb.key(RIGHT).await?;
                }
            }
        }
        while caret(self.s).await? < end {
            self.kb.chord(&[SHIFT, CONTROL], RIGHT).await?;
        }
        self.kb.key("m").await?;
        composer_focused(self.s, "composer-input").await?;
        self.kb
            .type_text("These words need changing; a suggestion below.")
            .await?;
        self.kb.key(TAB).await?;
        composer_focused(self.s, "composer-suggestion").await?;
        self.kb.type_text(&replacement_for(words)).await?;
        self.kb.key(ENTER).await?;
        self.s
            .wait_for("the comment to be saved", || async {
                let v = self
                    .s
                    .script(
                        "return !document.querySelector('form[data-composer-form]');",
                        json!([]),
                    )
                    .await
                    .ok()?;
                (v == json!(true)).then_some(())
            })
            .await?;
        self.kb.key("c").await?;
        composer_focused(self.s, "composer-input").await?;
        self.kb.type_text("See my suggestion on the words.").await?;
        self.kb.key(ENTER).await
    }
}

/// What the script suggests in place of flagged words: the same words toned down.
fn replacement_for(words: &str) -> String {
    format!("{} (reworded)", words.trim())
}

/// Waits until the app says everything is synced, then reads back, from the server, every
/// draft the script decided: each must hold this reviewer's decision with the verdict the
/// script gave, and each suggestion its comment on the words. The server is asked again for
/// up to 30 s (a push may still be on its way); what is missing then is an error.
async fn check_server(
    s: &Session,
    server: &countersign_server::Server,
    reviewer: &str,
    decided: &BTreeMap<String, Outcome>,
    suggested: &[(String, String)],
) -> anyhow::Result<()> {
    // `s` syncs now; the status line then says so.
    s.press("s").await?;
    let limit = Duration::from_secs(120);
    s.wait_for_within("the app to say all is synced", limit, || async {
        let v = s
            .script(
                "return document.querySelector('[data-testid=status-pending]')?.textContent ?? '';",
                json!([]),
            )
            .await
            .ok()?;
        (v.as_str() == Some("all synced")).then_some(())
    })
    .await?;
    let actor = countersign_server::admin::user_named(server, reviewer)
        .await?
        .actor();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let missing = missing_on_server(server, &actor, reviewer, decided, suggested).await?;
        if missing.is_empty() {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!(
                "after sync the server lacks {} of the script's decisions and comments:\n{}",
                missing.len(),
                missing.join("\n")
            );
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// What the server does not hold of what the script did, in words.
async fn missing_on_server(
    server: &countersign_server::Server,
    actor: &countersign_core::approval::Actor,
    reviewer: &str,
    decided: &BTreeMap<String, Outcome>,
    suggested: &[(String, String)],
) -> anyhow::Result<Vec<String>> {
    let mut missing = Vec::new();
    for (id, outcome) in decided {
        let Some(verdict) = outcome.verdict() else {
            continue;
        };
        let draft_id: DraftId = serde_json::from_value(Value::String(id.clone()))?;
        let draft = countersign_server::drafts::get(server, actor, draft_id)
            .await
            .with_context(|| format!("the server cannot show draft {id}"))?;
        let mine = draft.history.iter().any(|e| {
            e.by.username == reviewer
                && matches!(e.event, HistoryEvent::Decided { verdict: v, .. } if v == verdict)
        });
        if !mine {
            missing.push(format!("{id}: {}", outcome.words()));
        }
        if let Some((_, words)) = suggested.iter().find(|(d, _)| d == id) {
            let noted = draft.history.iter().any(|e| {
                e.by.username == reviewer
                    && matches!(&e.event, HistoryEvent::Annotated { annotation }
                        if annotation.suggestion.as_deref() == Some(replacement_for(words).as_str())
                            && annotation.target.is_some())
            });
            if !noted {
                let comments: Vec<String> = draft
                    .history
                    .iter()
                    .filter_map(|e| match &e.event {
                        HistoryEvent::Annotated { annotation } => Some(format!(
                            "by {}: {:?}, suggestion {:?}, on {:?}",
                            e.by.username,
                            annotation.body,
                            annotation.suggestion,
                            annotation.target.as_ref().map(|t| &t.quote.exact)
                        )),
                        _ => None,
                    })
                    .collect();
                missing.push(format!(
                    "{id}: the comment on “{words}” with its suggestion (the server has: {})",
                    if comments.is_empty() {
                        "no comments".to_owned()
                    } else {
                        comments.join("; ")
                    }
                ));
            }
        }
    }
    Ok(missing)
}

/// Signs `opts.reviewer` in to a fresh demo and clears the queue.
pub async fn measure(opts: &DesktopOptions) -> anyhow::Result<ReviewerFigures> {
    let server = DemoServer::start(0).await?;
    let profile = Profile::new(&opts.driver, &opts.app, Some(&server.url)).await?;
    let s = profile.open().await?;
    let result = clear_queue(&s, &server, opts).await;
    s.end().await;
    result
}

async fn clear_queue(
    s: &Session,
    server: &DemoServer,
    opts: &DesktopOptions,
) -> anyhow::Result<ReviewerFigures> {
    page::sign_in(s, &opts.reviewer).await?;
    page::wait_for_queue(s, 1).await?;
    // The guard checks each draft after the first sync: wait until no row says "checking…".
    tokio::time::sleep(opts.settle).await;
    let drafts = to_review(s).await?;
    ensure!(drafts > 0, "the demo queue is empty");
    let keys = keys_listed(s).await?;
    let has = |k: &str| keys.contains(k);
    let mut missing_keys = Vec::new();
    // The help writes a capital key as the letter with Shift (older builds: the bare letter).
    let can_bulk = has("x") && (has("Shift+J") || has("J")) && (has("Shift+A") || has("A"));
    if !can_bulk {
        missing_keys.push("bulk (x, Shift+J, A)");
    }
    let can_select = has("v");
    if !can_select {
        missing_keys.push("selecting words (v)");
    }
    let verbose = std::env::var_os("COUNTERSIGN_BENCH_VERBOSE").is_some();
    let mut run = Run {
        s,
        kb: Keyboard::new(s),
        by_outcome: BTreeMap::new(),
        decided: BTreeMap::new(),
        suggested: Vec::new(),
        verbose,
    };
    let started = Instant::now();
    if can_bulk {
        run.bulk(drafts).await.context("the bulk approval")?;
    }
    run.one_by_one(drafts, can_select)
        .await
        .context("deciding one by one")?;
    let elapsed = started.elapsed();
    let left = run
        .decided
        .values()
        .filter(|o| **o == Outcome::LeftForOthers)
        .count();
    ensure!(
        run.decided.len() == drafts,
        "the script went through {} drafts of {drafts}",
        run.decided.len()
    );
    ensure!(
        to_review(s).await? == left,
        "the queue still lists drafts to review"
    );
    let synced_at = Instant::now();
    check_server(
        s,
        &server.server,
        &opts.reviewer,
        &run.decided,
        &run.suggested,
    )
    .await
    .context("checking the server")?;
    let decisions = drafts - left;
    if verbose {
        eprintln!("reviewer: {} keys in all", run.kb.total());
    }
    Ok(ReviewerFigures {
        drafts,
        elapsed,
        synced: synced_at.elapsed(),
        commands: run.kb.commands,
        typed: run.kb.typed,
        decisions,
        by_outcome: run.by_outcome,
        missing_keys,
    })
}

/// The table's rows for a run.
pub fn add_rows(report: &mut Report, f: &ReviewerFigures) {
    let per = |n: usize| {
        if f.decisions == 0 {
            0.0
        } else {
            n as f64 / f.decisions as f64
        }
    };
    let kinds: Vec<String> = f
        .by_outcome
        .iter()
        .map(|(outcome, t)| {
            let keys = t.commands + t.typed;
            format!(
                "{} {} ({:.1} keys each{})",
                t.drafts,
                outcome.words(),
                keys as f64 / t.drafts.max(1) as f64,
                if t.typed > 0 {
                    format!(", {} typed", t.typed / t.drafts.max(1))
                } else {
                    String::new()
                }
            )
        })
        .collect();
    let missing = if f.missing_keys.is_empty() {
        String::new()
    } else {
        format!("; not in this build: {}", f.missing_keys.join(", "))
    };
    report.add(
        format!("scripted reviewer clears the {}-draft demo queue", f.drafts),
        format!("{:.1} s", f.elapsed.as_secs_f64()),
        format!(
            "{} decisions: {}{missing}; every decision on the server {} after",
            f.decisions,
            kinds.join(", "),
            human(f.synced)
        ),
        "queue cleared, server has every decision",
        true,
    );
    report.add(
        "scripted reviewer: keystrokes per decision",
        format!(
            "{:.2} command keys ({:.1} with typing)",
            per(f.commands),
            per(f.commands + f.typed)
        ),
        format!(
            "{} command keys (moving included; Shift+J counts once) and {} characters typed, for {} decisions",
            f.commands, f.typed, f.decisions
        ),
        "measured",
        true,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(risk: Option<&str>, late: bool, state: &str) -> Row {
        Row {
            id: "d".into(),
            index: 0,
            state: state.into(),
            risk: risk.map(str::to_owned),
            late,
        }
    }

    #[test]
    fn only_pending_rows_without_warnings_on_time_are_routine() {
        assert!(row(None, false, "pending").routine());
        assert!(row(Some("info"), false, "pending").routine());
        for risk in ["warn", "block", "unreviewed", "pre"] {
            assert!(!row(Some(risk), false, "pending").routine(), "{risk}");
        }
        assert!(!row(None, true, "pending").routine());
        assert!(!row(None, false, "decided-unsynced").routine());
    }

    #[test]
    fn flagged_words_are_found_in_code_points() {
        let pane = Pane {
            findings: vec![
                Finding {
                    severity: "info".into(),
                    rule: "a".into(),
                    quotes: vec!["🔥".into()],
                },
                Finding {
                    severity: "warn".into(),
                    rule: "crisis.tragedy_joke".into(),
                    quotes: vec!["too soon".into()],
                },
            ],
            blocked: None,
            body: "in a fire? 🔥 (too soon, Leeds?)".into(),
        };
        // "in a fire? " is 11 code points, the emoji one, " (" two.
        assert_eq!(flagged_words(&pane), Some((14, 22, "too soon")));
        let unquoted = Pane {
            findings: vec![Finding {
                severity: "warn".into(),
                rule: "network.alt_text".into(),
                quotes: vec![],
            }],
            ..pane
        };
        assert_eq!(flagged_words(&unquoted), None);
    }

    #[test]
    fn the_reason_names_the_rule() {
        let breach = Finding {
            severity: "block".into(),
            rule: "personal_data.phone".into(),
            quotes: vec![],
        };
        assert_eq!(
            reject_reason(&breach),
            "Breaks our policy: personal_data.phone."
        );
    }
}

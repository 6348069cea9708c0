// Wiring: backend calls, events, keys and clicks → pure state → views.
import * as backend from "./backend.js";
import { $, h } from "./dom.js";
import { NETWORKS, crisisText, verdictVerb } from "./format.js";
import { keyAction } from "./keys.js";
import {
  channelOptions, clearFilter, confirmDecision, createState, decideOptimistic, filterArgs,
  hasFilter, move, rollback, select, selectFirst, selectLast,
  setFilter, setItems, titleText, toReviewCount, listsPreApproved,
} from "./queue-state.js";
import { createSignin, signedOutText, signinErrorText } from "./views/signin.js";
import { createQueueView } from "./views/queue.js";
import { renderDraft, renderDraftMessage } from "./views/draft.js";
import { wireFindingEmphasis } from "./views/findings.js";
import { blockingCount } from "./findings.js";
import { newerStatus, renderStatus } from "./views/status.js";
import { renderConflicts } from "./views/conflicts.js";
import { renderHelp } from "./views/help.js";
import { renderCrisisMode } from "./views/crisis.js";
import { renderAccess } from "./views/access.js";
import { buildConfirmSignOut, closeOverlay, openOverlay, overlayKind, toast } from "./views/overlay.js";
import { buildConfirmLate, warningWords } from "./views/schedule.js";
import { receiptWarning, renderExport } from "./views/export.js";

const els = {
  boot: $("#boot"),
  signin: $("#signin"),
  app: $("#app"),
  userName: $("#user-name"),
  filters: $("#filters"),
  network: $("#filter-network"),
  channel: $("#filter-channel"),
  urgency: $("#filter-urgency"),
  findings: $("#filter-findings"),
  clearFilters: $("#clear-filters"),
  crisis: $("#crisis-banner"),
  crisisMode: $("#crisis-mode"),
  accessOpen: $("#access-open"),
  queue: $("#queue"),
  queueCount: $("#queue-count"),
  queueTitle: $("#queue-title"),
  draft: $("#draft"),
  status: $("#status-line"),
  overlay: $("#overlay"),
  toasts: $("#toasts"),
};

const SESSION_ENDED = new Set(["not_signed_in", "sign_in_required", "session_revoked", "lease_expired"]);

let defaults = { serverUrl: "", hint: "" };
let user = null;
let status = null;
let syncing = false;
let qs = createState();
let allItems = null; // the unfiltered queue, fetched only while a filter is on
let detail = null;
let detailSeq = 0;
let detailTimer = 0;
let composer = null; // {mode, draftId}
let composerError = "";
let queueFetch = null;
let queueDirty = false;
let crisisTimer = 0;
let awaitingFirstSync = false; // signed in just now: the first sync brings what was waiting
let accessView = null; // {entries, loadError, busy, error} while the Access view is open

const signin = createSignin(els.signin, { onSubmit: submitSignIn });
wireFindingEmphasis(els.draft);

const queueView = createQueueView({
  scroller: els.queue,
  spacer: $("#queue-spacer"),
  empty: $("#queue-empty"),
  onSelect: (id) => {
    qs = select(qs, id);
    renderQueue();
    loadDetail();
  },
});

// ---- screens ----------------------------------------------------------------------------

function showSignin(reason = "") {
  user = null;
  closeOverlay(els.overlay);
  els.boot.hidden = true;
  els.app.hidden = true;
  els.signin.hidden = false;
  qs = createState();
  allItems = null;
  detail = null;
  composer = null;
  signin.show({ serverUrl: defaults.serverUrl || status?.server_url || "", hintText: defaults.hint ?? "", reason });
  backend.setTitle("Countersign");
}

/** The host and port of a server address as typed, for the allowance's label. */
function serverHost(url) {
  try {
    return new URL(url).host || url;
  } catch {
    return url;
  }
}

async function submitSignIn(values) {
  signin.setBusy(true);
  signin.setError("");
  try {
    const signedIn = await backend.signIn(values);
    awaitingFirstSync = true;
    await enterApp(signedIn);
  } catch (e) {
    if (e.code === "totp_required") {
      signin.askTotp();
    } else {
      if (e.code === "insecure_server") signin.askInsecure(serverHost(values.serverUrl));
      signin.setError(signinErrorText(e, values.serverUrl));
      if (e.code === "bad_credentials") signin.focusPassword();
    }
  } finally {
    signin.setBusy(false);
  }
}

async function enterApp(signedIn) {
  user = signedIn;
  els.boot.hidden = true;
  els.signin.hidden = true;
  els.app.hidden = false;
  els.userName.textContent = user?.display_name ?? user?.username ?? "";
  renderAdminTools();
  renderFilterOptions();
  renderStatusLine();
  els.queue.focus();
  await Promise.all([refreshQueue({ reveal: true }).then(() => firstScreen("queue")), refreshStatus()]);
}

let firstScreenShown = false;

/** The first screen is drawn and takes keys: the shell logs the start-up time. */
function firstScreen(screen) {
  if (firstScreenShown) return;
  firstScreenShown = true;
  backend.windowReady(screen);
}

// ---- errors -----------------------------------------------------------------------------

/** Shows an error; returns true when it ended the session. */
function report(e, doing) {
  if (SESSION_ENDED.has(e?.code)) {
    showSignin(signedOutText(e.code, e.message) || e.message);
    return true;
  }
  toast(els.toasts, doing ? `${doing}: ${e?.message ?? "something went wrong"}` : e?.message ?? "Something went wrong", "error");
  return false;
}

// ---- queue ------------------------------------------------------------------------------

function reviewCount() {
  return toReviewCount(allItems ?? qs.items, qs.optimistic);
}

function renderQueue({ reveal = false } = {}) {
  queueView.render(qs, {
    reveal,
    at: Date.now(),
    emptyText: listsPreApproved(qs.filter)
      ? "No pre-approved replies went out without review."
      : hasFilter(qs.filter)
      ? "No drafts match these filters."
      : "Nothing to review. New drafts appear here as they arrive.",
  });
  const toReview = toReviewCount(qs.items, qs.optimistic);
  const decided = qs.items.length - toReview;
  els.queueTitle.textContent = listsPreApproved(qs.filter) ? "Pre-approved replies" : "To review";
  els.queueCount.textContent = listsPreApproved(qs.filter)
    ? `${qs.items.length} approved without review`
    : decided > 0 ? `${toReview} to review · ${decided} decided` : `${toReview} to review`;
  backend.setTitle(titleText(reviewCount()));
}

/** Refetches the queue; calls made while one is in flight are folded into one more fetch. */
async function refreshQueue({ reveal = false } = {}) {
  if (queueFetch) {
    queueDirty = true;
    return queueFetch;
  }
  queueFetch = (async () => {
    do {
      queueDirty = false;
      const filtered = hasFilter(qs.filter);
      try {
        const [items, all] = await Promise.all([
          backend.queue(filterArgs(qs.filter)),
          filtered ? backend.queue({}) : null,
        ]);
        if (!user) return;
        allItems = all;
        const before = qs.selectedId;
        qs = setItems(qs, items);
        renderFilterOptions();
        renderQueue({ reveal });
        if (qs.selectedId !== before || !detail || detail.draft.id !== qs.selectedId) loadDetail();
        else refreshDetailQuietly();
      } catch (e) {
        report(e, "Could not load the queue");
        return;
      }
    } while (queueDirty);
  })();
  try {
    await queueFetch;
  } finally {
    queueFetch = null;
  }
}

function moveBy(action) {
  if (action === "next") qs = move(qs, 1);
  else if (action === "prev") qs = move(qs, -1);
  else if (action === "first") qs = selectFirst(qs);
  else qs = selectLast(qs);
  renderQueue({ reveal: true });
  scheduleDetail();
}

// ---- filters ----------------------------------------------------------------------------

function setOptions(select, options, value) {
  const key = JSON.stringify(options);
  if (select.dataset.options !== key) {
    select.replaceChildren(...options.map(([v, label]) => h("option", { value: v }, label)));
    select.dataset.options = key;
  }
  select.value = value;
}

function renderFilterOptions() {
  const f = qs.filter;
  setOptions(els.network, [["", "All networks"], ...Object.entries(NETWORKS)], f.network);
  const channels = channelOptions(allItems ?? qs.items, f.network);
  if (f.channel && !channels.includes(f.channel)) channels.unshift(f.channel);
  setOptions(els.channel, [["", "All channels"], ...channels.map((c) => [c, c])], f.channel);
  setOptions(els.urgency, [["", "Any urgency"], ["crisis", "Crisis"], ["urgent", "Urgent"], ["normal", "Normal"]], f.urgency);
  setOptions(els.findings, [
    ["", "Any findings"], ["has", "Has findings"], ["none", "No findings"],
    ["pre", "Pre-approved replies"],
  ], f.findings);
  els.clearFilters.hidden = !hasFilter(f);
  for (const s of [els.network, els.channel, els.urgency, els.findings]) s.classList.toggle("active", Boolean(s.value));
}

els.filters.addEventListener("change", (event) => {
  const target = event.target;
  if (!(target instanceof HTMLSelectElement)) return;
  qs = setFilter(qs, target.name, target.value);
  renderFilterOptions();
  refreshQueue({ reveal: true });
});
els.filters.addEventListener("submit", (event) => event.preventDefault());

// ---- draft detail -----------------------------------------------------------------------

function scheduleDetail() {
  clearTimeout(detailTimer);
  // Holding j down should not fetch every draft it passes.
  detailTimer = setTimeout(loadDetail, 60);
}

async function loadDetail() {
  clearTimeout(detailTimer);
  const id = qs.selectedId;
  const seq = ++detailSeq;
  if (!id) {
    detail = null;
    composer = null;
    renderDraftMessage(els.draft, hasFilter(qs.filter) ? "No drafts match these filters." : "Nothing to review. Well done.");
    return;
  }
  if (detail?.draft.id === id) {
    renderDetail();
    return;
  }
  await showDraft(id, seq);
}

async function showDraft(id, seq = ++detailSeq) {
  try {
    const d = await backend.draft(id);
    if (seq !== detailSeq) return;
    detail = d;
    if (composer?.draftId !== id) {
      composer = null;
      composerError = "";
    }
    renderDetail();
  } catch (e) {
    if (seq !== detailSeq) return;
    detail = null;
    if (e.code === "not_found") renderDraftMessage(els.draft, "That draft is not in your queue any more.");
    else if (!report(e, "Could not open the draft")) renderDraftMessage(els.draft, "Could not open the draft.", "error");
  }
}

/** After a queue change, the open draft may have changed too (an edit, an approval). */
async function refreshDetailQuietly() {
  if (!detail) return;
  const seq = ++detailSeq;
  try {
    const d = await backend.draft(detail.draft.id);
    if (seq !== detailSeq) return;
    // The guard's answer can change with the draft unchanged (a new pack, crisis mode on
    // its channel): what the pane shows of it counts too.
    const shown = (x) => JSON.stringify([x.findings ?? [], x.route ?? null, x.approval ?? null]);
    if (d.draft.version !== detail.draft.version || d.draft.history?.length !== detail.draft.history?.length
      || d.draft.status !== detail.draft.status || shown(d) !== shown(detail)) {
      detail = d;
      renderDetail();
    } else {
      detail = d;
    }
  } catch {
    // The next selection change shows the error, if it persists.
  }
}

function renderDetail() {
  if (!detail) return;
  const box = els.draft.querySelector("textarea[data-composer]");
  const typed = box?.value ?? "";
  const hadFocus = box && document.activeElement === box;
  const item = qs.items.find((i) => i.id === detail.draft.id) ?? null;
  const mode = composer?.draftId === detail.draft.id ? composer.mode : null;
  renderDraft(els.draft, { detail, item, now: Date.now(), composer: mode, composerError });
  const next = els.draft.querySelector("textarea[data-composer]");
  if (next) {
    next.value = typed;
    if (hadFocus || !box) {
      next.focus();
      next.closest("form")?.scrollIntoView({ block: "nearest" });
    }
  }
}

// ---- deciding ---------------------------------------------------------------------------

/**
 * The draft a key acts on: the selected row. Not the one in the pane — after a decision the
 * selection moves on at once while the pane loads the next draft a moment later, and a
 * second key press in that moment must not act on the draft just decided.
 */
function currentDraftId() {
  // A draft opened from outside the queue (a conflict's "decide again") is the exception.
  const outsideQueue = detail && !qs.items.some((i) => i.id === detail.draft.id);
  return outsideQueue ? detail.draft.id : qs.selectedId ?? detail?.draft.id ?? null;
}

async function decide(draftId, verdict, comment = "", overrideReason = "") {
  // Optimistic: the row shows as done and the selection moves on before the backend answers.
  const { state, undo } = decideOptimistic(qs, draftId, verdict);
  qs = state;
  if (composer?.draftId === draftId) composer = null;
  composerError = "";
  renderQueue({ reveal: true });
  if (detail?.draft.id === draftId) renderDetail();
  if (qs.selectedId !== draftId) scheduleDetail();
  try {
    const mutationId = await backend.decide({ draftId, verdict, comment, overrideReason });
    qs = confirmDecision(qs, undo, mutationId);
    renderQueue();
    refreshStatus();
  } catch (e) {
    qs = rollback(qs, undo);
    renderQueue();
    if (detail?.draft.id === draftId) renderDetail();
    if (e.code === "override_required") {
      // The guard found something blocking that the window did not know of (the draft was
      // not loaded yet, or a new policy pack came): ask for the reason, as `a` would have.
      openOverride(draftId, overrideReason
        ? "The policy check changed while you were typing: read the findings again and say why."
        : "");
      return;
    }
    if (e.code === "not_allowed") toast(els.toasts, e.message, "warn");
    else report(e, `Could not record that you ${verdictVerb(verdict)}`);
    if (e.code === "not_found") refreshQueue();
  }
}

function openComposer(mode) {
  const draftId = currentDraftId();
  if (!draftId || !detail || detail.draft.id !== draftId) return;
  if (detail.draft.status !== "pending" && mode !== "comment") {
    toast(els.toasts, "This draft is no longer waiting for a decision.", "info");
    return;
  }
  composer = { mode, draftId };
  composerError = "";
  renderDetail();
  els.draft.querySelector("textarea[data-composer]")?.focus();
}

/** Opens the override prompt on `draftId`, selected and freshly loaded (its findings may have changed). */
async function openOverride(draftId, error = "") {
  clearTimeout(detailTimer);
  composer = { mode: "override", draftId };
  composerError = error;
  if (qs.items.some((i) => i.id === draftId)) {
    qs = select(qs, draftId);
    renderQueue({ reveal: true });
  }
  await showDraft(draftId);
  if (composer?.draftId === draftId) els.draft.querySelector("textarea[data-composer]")?.focus();
}

function cancelComposer() {
  composer = null;
  composerError = "";
  renderDetail();
  els.queue.focus();
}

async function submitComposer() {
  if (!composer) return;
  const box = els.draft.querySelector("textarea[data-composer]");
  const text = (box?.value ?? "").trim();
  const { mode, draftId } = composer;
  if (mode === "request_changes" && !text) {
    composerError = "Say what should change: the author needs to know.";
    renderDetail();
    return;
  }
  if (mode === "override") {
    if (!text) {
      composerError = "A reason is required: say why this should be published despite the blocking findings.";
      renderDetail();
      return;
    }
    els.queue.focus();
    decide(draftId, "approve", "", text);
    return;
  }
  if (mode === "comment") {
    if (!text) {
      composerError = "Write a comment first.";
      renderDetail();
      return;
    }
    try {
      await backend.comment({ draftId, body: text });
      composer = null;
      composerError = "";
      renderDetail();
      els.queue.focus();
      toast(els.toasts, "Comment saved — not yet synced.", "info", 3000);
      refreshStatus();
    } catch (e) {
      composerError = e.message ?? "Could not save the comment.";
      if (!report(e, "Could not save the comment")) renderDetail();
    }
    return;
  }
  els.queue.focus();
  decide(draftId, mode, text);
}

function decideSelected(verdict) {
  const draftId = currentDraftId();
  if (!draftId) return;
  if (detail?.draft.id === draftId && detail.draft.status !== "pending") {
    toast(els.toasts, "This draft is no longer waiting for a decision.", "info");
    return;
  }
  // The rules' answer for this draft (computed in Rust) says whether `a` may approve it;
  // if the draft is not loaded yet, the backend asks the same rules and refuses.
  if (verdict === "approve" && detail?.draft.id === draftId && detail.approval?.allowed === false) {
    toast(els.toasts, detail.approval.reason ?? "You may not approve this draft.", "warn");
    return;
  }
  if (verdict === "approve") approveAsking(draftId);
  else decide(draftId, verdict, "");
}

/**
 * What the rules (Rust) say about approving `draftId` now: the loaded draft's
 * `schedule_warning`, else its queue row's `late_by_secs` (the draft is not loaded yet).
 */
function scheduleWarningFor(draftId) {
  if (detail?.draft.id === draftId) return detail.schedule_warning ?? null;
  const item = qs.items.find((i) => i.id === draftId);
  return Number(item?.late_by_secs) > 0 ? { kind: "passed", by_secs: item.late_by_secs } : null;
}

/** Approves `draftId`, first asking what has to be asked: a late draft, then an override. */
function approveAsking(draftId, { lateConfirmed = false } = {}) {
  // A draft whose time has passed (or will, before an offline laptop syncs): the approval
  // still counts, late; the reviewer says they mean it.
  const warning = lateConfirmed ? null : scheduleWarningFor(draftId);
  if (warning && warningWords(warning)) {
    openOverlay(els.overlay, {
      kind: "confirm-late", testid: "confirm-late", labelledBy: "late-title",
      build: (panel) => buildConfirmLate(panel, { warning, draftId }),
    });
    return;
  }
  // Over a blocking finding the approval needs a reason: ask for it in the same flow.
  // The backend asks the guard again either way (and says override_required).
  if (detail?.draft.id === draftId && blockingCount(detail.findings) > 0) {
    openComposer("override");
    return;
  }
  decide(draftId, "approve", "");
}

// ---- sync and status --------------------------------------------------------------------

function renderStatusLine() {
  renderStatus(els.status, {
    status, syncing, now: Date.now(), userName: user?.display_name ?? user?.username ?? "",
  });
  renderCrisisMode(els.crisisMode, status);
  renderAdminTools();
  if (overlayKind(els.overlay) === "access") renderAccessPanel();
}

/** Administrators get the Access view; roles come from the server, as of the last sync. */
function renderAdminTools() {
  const roles = status?.user?.roles ?? user?.roles ?? [];
  els.accessOpen.hidden = !roles.includes("admin");
}

async function refreshStatus() {
  try {
    // Read `status` only after the await: an event may have brought a newer one meanwhile.
    const fresh = await backend.status();
    status = newerStatus(status, fresh);
    renderStatusLine();
  } catch (e) {
    if (SESSION_ENDED.has(e.code)) report(e);
  }
}

async function syncNow() {
  if (syncing) return;
  syncing = true;
  renderStatusLine();
  try {
    const r = await backend.syncNow();
    if (r?.refused > 0) {
      toast(els.toasts, r.refused === 1
        ? "The server refused 1 decision. Open Conflicts to see why."
        : `The server refused ${r.refused} decisions. Open Conflicts to see why.`, "warn");
    }
    const badReceipts = receiptWarning(r?.receipts_failed);
    if (badReceipts) toast(els.toasts, badReceipts, "error", 12000);
  } catch (e) {
    if (e.code === "offline") toast(els.toasts, "Offline. Your decisions are saved here and will sync when you are back online.", "warn");
    else report(e, "Sync failed");
  } finally {
    syncing = false;
    await refreshStatus();
    if (user) refreshQueue();
    if (overlayKind(els.overlay) === "conflicts") loadConflicts();
  }
}

// ---- overlays ---------------------------------------------------------------------------

// ---- access (administrators) ------------------------------------------------------------

let accessShown = ""; // what the Access panel last showed, so status ticks do not rebuild it

function renderAccessPanel() {
  const panel = els.overlay.querySelector(".panel-access");
  if (!panel || !accessView) return;
  // Statuses arrive every sync; rebuild only when something the panel shows changed, so a
  // click or a half-typed reason is never lost to a rebuild.
  const crisis = status?.crisis ?? null;
  const shown = JSON.stringify([
    accessView.entries?.length ?? null, accessView.loadError, accessView.busy, accessView.error,
    crisis?.reason ?? null, crisis?.since ?? null, status?.online ?? null,
  ]);
  if (shown === accessShown && panel.childElementCount > 0) return;
  accessShown = shown;
  const focused = document.activeElement?.getAttribute?.("data-testid");
  const typed = panel.querySelector("[data-testid=crisis-reason]")?.value ?? "";
  const ticked = [...panel.querySelectorAll("input[name=channel]:checked")].map((i) => i.value);
  renderAccess(panel, {
    ...accessView, crisis: status?.crisis ?? null, online: status?.online ?? null, now: Date.now(),
  });
  const reason = panel.querySelector("[data-testid=crisis-reason]");
  if (reason) reason.value = typed;
  for (const box of panel.querySelectorAll("input[name=channel]")) box.checked = ticked.includes(box.value);
  if (focused) panel.querySelector(`[data-testid="${focused}"]`)?.focus();
}

async function openAccess() {
  accessView = { entries: null, loadError: "", busy: false, error: "" };
  accessShown = "";
  openOverlay(els.overlay, {
    kind: "access", testid: "access", labelledBy: "access-title",
    build: (panel) => panel.append(h("p", { class: "muted" }, "Loading who has access to what…")),
  });
  renderAccessPanel();
  try {
    const entries = await backend.access();
    if (overlayKind(els.overlay) !== "access") return;
    accessView = { ...accessView, entries };
  } catch (e) {
    if (report(e)) return;
    accessView = {
      ...accessView,
      loadError: e.code === "offline" ? "Offline: the Access view asks the server, which cannot be reached now." : e.message,
    };
  }
  renderAccessPanel();
}

async function changeCrisis(turnOn, form) {
  if (!accessView || accessView.busy) return;
  const reason = form?.querySelector("[name=reason]")?.value.trim() ?? "";
  const channels = form ? [...form.querySelectorAll("input[name=channel]:checked")].map((i) => i.value) : [];
  if (turnOn && !reason) {
    accessView = { ...accessView, error: "Say why: everyone who sees the crisis banner reads it." };
    renderAccessPanel();
    return;
  }
  accessView = { ...accessView, busy: true, error: "" };
  renderAccessPanel();
  try {
    const result = turnOn ? await backend.crisisOn({ reason, channels }) : await backend.crisisOff();
    const e = result?.effect;
    if (e) {
      toast(els.toasts, turnOn
        ? `Crisis mode is on: ${e.escalated} drafts became crisis drafts, ${e.held} approved posts are held.`
        : `Crisis mode is off: ${e.returned_to_review} held posts are back in review.`, "info");
    }
    accessView = { ...accessView, busy: false };
    await refreshStatus();
    refreshQueue();
  } catch (err) {
    if (report(err)) return;
    accessView = { ...accessView, busy: false, error: err.code === "offline" ? "Offline: try again when the server can be reached." : err.message };
  }
  renderAccessPanel();
}

function openHelp() {
  openOverlay(els.overlay, { kind: "help", testid: "help", labelledBy: "help-title", build: renderHelp });
}

async function loadConflicts() {
  const panel = els.overlay.querySelector(".panel-conflicts");
  if (!panel) return;
  try {
    const list = await backend.conflicts();
    if (overlayKind(els.overlay) === "conflicts") renderConflicts(panel, list, Date.now());
  } catch (e) {
    report(e, "Could not load conflicts");
  }
}

function openConflicts() {
  openOverlay(els.overlay, {
    kind: "conflicts", testid: "conflicts", labelledBy: "conflicts-title",
    build: (panel) => panel.append(h("p", { class: "muted" }, "Loading conflicts…")),
  });
  loadConflicts();
}

async function openSignOut() {
  await refreshStatus();
  openOverlay(els.overlay, {
    kind: "sign-out", testid: "sign-out-dialog", labelledBy: "signout-title",
    build: (panel) => buildConfirmSignOut(panel, { pending: Number(status?.pending ?? 0) }),
  });
}

let exporting = false;

async function exportDecisions() {
  if (exporting) return;
  exporting = true;
  openOverlay(els.overlay, {
    kind: "export", testid: "export", labelledBy: "export-title",
    build: (panel) => panel.append(h("p", { class: "muted" }, "Writing your decisions…")),
  });
  try {
    const written = await backend.exportDecisions();
    const panel = els.overlay.querySelector(".panel-export");
    if (panel && overlayKind(els.overlay) === "export") {
      renderExport(panel, written);
      panel.querySelector("[autofocus]")?.focus();
    }
  } catch (e) {
    closeOverlay(els.overlay);
    report(e, "Could not export your decisions");
  } finally {
    exporting = false;
  }
}

async function confirmSignOut() {
  try {
    const r = await backend.signOut();
    showSignin(r?.revoked_on_server === false
      ? "Signed out. The server could not be reached; the session expires there on its own."
      : "Signed out.");
  } catch (e) {
    closeOverlay(els.overlay);
    report(e, "Could not sign out");
  }
}

async function decideAgain(draftId) {
  closeOverlay(els.overlay);
  if (!qs.items.some((i) => i.id === draftId) && hasFilter(qs.filter)) {
    qs = clearFilter(qs);
    renderFilterOptions();
    await refreshQueue();
  }
  if (qs.items.some((i) => i.id === draftId)) {
    qs = select(qs, draftId);
    renderQueue({ reveal: true });
    loadDetail();
  } else {
    await showDraft(draftId);
  }
}

async function dismissConflict(mutationId) {
  try {
    await backend.dismissConflict(Number(mutationId));
    await Promise.all([loadConflicts(), refreshStatus()]);
  } catch (e) {
    report(e, "Could not dismiss the conflict");
  }
}

// ---- crisis banner ----------------------------------------------------------------------

function flashCrisis(count) {
  const { headline, detail } = crisisText(count, { waiting: awaitingFirstSync });
  els.crisis.replaceChildren(
    h("strong", {}, headline),
    h("span", {}, detail),
    h("button", { type: "button", class: "link-button", dataset: { action: "crisis-show" } }, "Show crisis drafts"),
    h("button", { type: "button", class: "icon-button", dataset: { action: "crisis-dismiss" }, "aria-label": "Dismiss" }, "×"));
  els.crisis.hidden = false;
  els.crisis.classList.remove("flash");
  void els.crisis.offsetWidth; // restart the animation
  els.crisis.classList.add("flash");
  clearTimeout(crisisTimer);
  crisisTimer = setTimeout(() => { els.crisis.hidden = true; }, 20000);
}

// ---- input ------------------------------------------------------------------------------

function run(action) {
  switch (action) {
    case "next":
    case "prev":
    case "first":
    case "last":
      moveBy(action);
      break;
    case "approve":
      decideSelected("approve");
      break;
    case "reject":
    case "request_changes":
    case "comment":
      openComposer(action);
      break;
    case "sync":
      syncNow();
      break;
    case "filters":
      els.network.focus();
      break;
    case "help":
      openHelp();
      break;
    case "close":
      if (composer) cancelComposer();
      else els.queue.focus();
      break;
    default:
  }
}

document.addEventListener("keydown", (event) => {
  if (els.app.hidden) return;
  const target = event.target;
  if (target instanceof HTMLTextAreaElement && target.dataset.composer) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submitComposer();
    } else if (event.key === "Escape") {
      event.preventDefault();
      cancelComposer();
    }
    return;
  }
  const action = keyAction(event);
  if (!action) return;
  const open = overlayKind(els.overlay);
  if (open) {
    if (action === "close" || (action === "help" && open === "help")) {
      event.preventDefault();
      closeOverlay(els.overlay);
      els.queue.focus();
    }
    return;
  }
  event.preventDefault();
  run(action);
});

document.addEventListener("click", (event) => {
  if (event.target === els.overlay) {
    closeOverlay(els.overlay);
    els.queue.focus();
    return;
  }
  const el = event.target instanceof Element ? event.target.closest("[data-action]") : null;
  if (!el || el.disabled) return;
  const { action } = el.dataset;
  switch (action) {
    case "cancel-composer":
      cancelComposer();
      break;
    case "conflicts":
      openConflicts();
      break;
    case "close-overlay":
      closeOverlay(els.overlay);
      els.queue.focus();
      break;
    case "sign-out":
      openSignOut();
      break;
    case "confirm-sign-out":
      confirmSignOut();
      break;
    case "confirm-late":
      closeOverlay(els.overlay);
      els.queue.focus();
      approveAsking(el.dataset.draftId, { lateConfirmed: true });
      break;
    case "export-decisions":
      exportDecisions();
      break;
    case "access":
      openAccess();
      break;
    case "crisis-off":
      changeCrisis(false, null);
      break;
    case "clear-filters":
      qs = clearFilter(qs);
      renderFilterOptions();
      refreshQueue({ reveal: true });
      break;
    case "decide-again":
      decideAgain(el.dataset.draftId);
      break;
    case "dismiss-conflict":
      dismissConflict(el.dataset.mutationId);
      break;
    case "crisis-show":
      els.crisis.hidden = true;
      qs = setFilter(clearFilter(qs), "urgency", "crisis");
      renderFilterOptions();
      refreshQueue({ reveal: true });
      break;
    case "crisis-dismiss":
      els.crisis.hidden = true;
      break;
    default:
      // Buttons that mirror a key (approve, reject, request changes, comment, sync, help)
      // do exactly what the key does.
      run(action);
  }
});

els.overlay.addEventListener("submit", (event) => {
  if (event.target instanceof HTMLFormElement && event.target.dataset.crisisForm) {
    event.preventDefault();
    changeCrisis(true, event.target);
  }
});

// A refusal ("a reason is required") goes once the reviewer starts typing the reason.
els.draft.addEventListener("input", (event) => {
  const target = event.target;
  if (!(target instanceof HTMLTextAreaElement) || !target.dataset.composer || !composerError) return;
  composerError = "";
  els.draft.querySelector("[data-testid=composer-error]")?.remove();
  target.removeAttribute("aria-invalid");
  target.removeAttribute("aria-describedby");
});

els.draft.addEventListener("submit", (event) => {
  if (event.target instanceof HTMLFormElement && event.target.dataset.composerForm) {
    event.preventDefault();
    submitComposer();
  }
});

// ---- start ------------------------------------------------------------------------------

async function subscribe() {
  await Promise.all([
    backend.onStatus((s) => {
      const conflictsBefore = status?.conflicts;
      status = newerStatus(status, s);
      // A sync's crisis event comes before its status: once a sync has finished, later
      // crisis drafts really did just arrive.
      if (status?.last_synced_at) awaitingFirstSync = false;
      if (!user) return;
      renderStatusLine();
      if (overlayKind(els.overlay) === "conflicts" && s?.conflicts !== conflictsBefore) loadConflicts();
    }),
    backend.onQueueChanged(() => {
      if (user) refreshQueue();
    }),
    backend.onSignedOut((payload) => {
      showSignin(signedOutText(payload?.reason ?? payload));
    }),
    backend.onCrisis((count) => {
      if (user) flashCrisis(count);
    }),
  ]);
}

async function boot() {
  subscribe();
  // Relative times ("publishes in 40 min", "synced 2 min ago") age in place.
  setInterval(() => {
    if (!user) return;
    renderQueue();
    renderStatusLine();
    if (!composer) renderDetail();
  }, 30000);
  try {
    const info = await backend.sessionInfo();
    defaults = info?.defaults ?? defaults;
    const fresh = info?.status ?? null;
    status = newerStatus(status, fresh);
    if (info?.user) await enterApp(info.user);
    else {
      showSignin();
      firstScreen("sign-in");
    }
  } catch (e) {
    showSignin(e.code === "no_backend" || e.code === "cannot_start" ? e.message : `Could not start: ${e.message}`);
  }
}

boot();


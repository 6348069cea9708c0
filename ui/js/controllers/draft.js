// The draft pane: loading the selected draft, the comment/reason composer, and deciding
// (optimistic, with the late-draft and override questions asked first).
import { CODES } from "../error-codes.js";
import { verdictVerb } from "../format.js";
import { blockingCount } from "../findings.js";
import { hasFilter } from "../queue-state.js";
import { currentDraftId, scheduleWarningFor } from "../state.js";
import { renderDraft, renderDraftMessage } from "../views/draft.js";
import { wireFindingEmphasis } from "../views/findings.js";
import { buildConfirmLate, warningWords } from "../views/schedule.js";

export function createDraftController(app) {
  const { els, backend } = app;
  let seq = 0; // answers to older requests are dropped
  let timer = 0;

  wireFindingEmphasis(els.draft);

  const composerBox = () => els.draft.querySelector("textarea[data-composer]");

  function scheduleDetail() {
    clearTimeout(timer);
    // Holding j down should not fetch every draft it passes.
    timer = setTimeout(loadDetail, 60);
  }

  async function loadDetail() {
    clearTimeout(timer);
    const { queue, detail } = app.state;
    const id = queue.selectedId;
    const mine = ++seq;
    if (!id) {
      app.apply({ type: "nothing-selected" });
      renderDraftMessage(els.draft, hasFilter(queue.filter) ? "No drafts match these filters." : "Nothing to review. Well done.");
      return;
    }
    if (detail?.draft.id === id) {
      render();
      return;
    }
    await show(id, mine);
  }

  async function show(id, mine = ++seq) {
    try {
      const detail = await backend.draft(id);
      if (mine !== seq) return;
      app.apply({ type: "detail-loaded", detail });
      render();
    } catch (e) {
      if (mine !== seq) return;
      app.apply({ type: "detail-failed" });
      if (e.code === CODES.NOT_FOUND) renderDraftMessage(els.draft, "That draft is not in your queue any more.");
      else if (!app.report(e, "Could not open the draft")) renderDraftMessage(els.draft, "Could not open the draft.", "error");
    }
  }

  /** After a queue change, the open draft may have changed too (an edit, an approval). */
  async function refreshQuietly() {
    const before = app.state.detail;
    if (!before) return;
    const mine = ++seq;
    try {
      const d = await backend.draft(before.draft.id);
      if (mine !== seq) return;
      // The guard's answer can change with the draft unchanged (a new pack, crisis mode on
      // its channel): what the pane shows of it counts too.
      const shown = (x) => JSON.stringify([x.findings ?? [], x.route ?? null, x.approval ?? null, x.annotations ?? []]);
      const was = app.state.detail ?? before;
      const changed = d.draft.version !== was.draft.version || d.draft.history?.length !== was.draft.history?.length
        || d.draft.status !== was.draft.status || shown(d) !== shown(was);
      app.apply({ type: "detail-refreshed", detail: d });
      if (changed) render();
    } catch {
      // The next selection change shows the error, if it persists.
    }
  }

  function render() {
    const { detail, queue, composer, composerError, selection } = app.state;
    if (!detail) return;
    const box = composerBox();
    const typed = box?.value ?? "";
    const hadFocus = box && document.activeElement === box;
    const item = queue.items.find((i) => i.id === detail.draft.id) ?? null;
    const mode = composer?.draftId === detail.draft.id ? composer.mode : null;
    renderDraft(els.draft, {
      detail, item, now: Date.now(), composer: mode, composerError,
      selection: selection?.draftId === detail.draft.id ? selection : null,
      target: mode ? composer.target : null,
    });
    const next = composerBox();
    if (next) {
      next.value = typed;
      if (hadFocus || !box) {
        next.focus();
        next.closest("form")?.scrollIntoView({ block: "nearest" });
      }
    }
  }

  // ---- deciding ----

  async function decide(draftId, verdict, comment = "", overrideReason = "") {
    const { lastUndo: undo } = app.apply({ type: "decision-pressed", draftId, verdict });
    app.queue.render({ reveal: true });
    if (app.state.detail?.draft.id === draftId) render();
    if (app.state.queue.selectedId !== draftId) scheduleDetail();
    try {
      const mutationId = await backend.decide({ draftId, verdict, comment, overrideReason });
      app.apply({ type: "decision-recorded", undo, mutationId });
      app.queue.render();
      // The counts come from the page: read it again now the outbox has the decision (the
      // sync that sends it comes only after the undo window, and its refresh with it).
      app.queue.refresh();
      app.status.refresh();
      app.bulk.decided({ draftId, verdict, mutationId });
    } catch (e) {
      app.apply({ type: "decision-refused", undo });
      app.queue.render();
      if (app.state.detail?.draft.id === draftId) render();
      if (e.code === CODES.OVERRIDE_REQUIRED) {
        // The guard found something blocking that the window did not know of (the draft was
        // not loaded yet, or a new policy pack came): ask for the reason, as `a` would have.
        openOverride(draftId, overrideReason
          ? "The policy check changed while you were typing: read the findings again and say why."
          : "");
        return;
      }
      if (e.code === CODES.NOT_ALLOWED) app.toast(e.message, "warn");
      else app.report(e, `Could not record that you ${verdictVerb(verdict)}`);
      if (e.code === CODES.NOT_FOUND) app.queue.refresh();
    }
  }

  /** Opens the box for `mode`; "annotate" comments on `target`, words in code points. */
  function openComposer(mode, target = null) {
    const draftId = currentDraftId(app.state);
    const { detail } = app.state;
    if (!draftId || !detail || detail.draft.id !== draftId) return;
    if (detail.draft.status !== "pending" && mode !== "comment" && mode !== "annotate") {
      app.toast("This draft is no longer waiting for a decision.", "info");
      return;
    }
    app.apply({ type: "composer-opened", mode, draftId, target });
    render();
    composerBox()?.focus();
  }

  /** Opens the override prompt on `draftId`, selected and freshly loaded (its findings may have changed). */
  async function openOverride(draftId, error = "") {
    clearTimeout(timer);
    app.apply({ type: "composer-opened", mode: "override", draftId, error });
    app.queue.reveal(draftId);
    await show(draftId);
    if (app.state.composer?.draftId === draftId) composerBox()?.focus();
  }

  function cancelComposer() {
    app.apply({ type: "composer-closed" });
    render();
    app.queue.focus();
  }

  function refuse(error) {
    app.apply({ type: "composer-refused", error });
    render();
  }

  async function submitComposer() {
    const { composer } = app.state;
    if (!composer) return;
    const text = (composerBox()?.value ?? "").trim();
    const { mode, draftId } = composer;
    if (mode === "annotate") {
      app.annotations.submit();
      return;
    }
    if (mode === "request_changes" && !text) {
      refuse("Say what should change: the author needs to know.");
      return;
    }
    if (mode === "override") {
      if (!text) {
        refuse("A reason is required: say why this should be published despite the blocking findings.");
        return;
      }
      app.queue.focus();
      decide(draftId, "approve", "", text);
      return;
    }
    if (mode === "comment") {
      if (!text) {
        refuse("Write a comment first.");
        return;
      }
      try {
        await backend.comment({ draftId, body: text });
        app.apply({ type: "composer-closed" });
        render();
        app.queue.focus();
        app.toast("Comment saved — not yet synced.", "info", 3000);
        app.status.refresh();
      } catch (e) {
        app.apply({ type: "composer-refused", error: e.message ?? "Could not save the comment." });
        if (!app.report(e, "Could not save the comment")) render();
      }
      return;
    }
    app.queue.focus();
    decide(draftId, mode, text);
  }

  function decideSelected(verdict) {
    const draftId = currentDraftId(app.state);
    const { detail } = app.state;
    if (!draftId) return;
    if (detail?.draft.id === draftId && detail.draft.status !== "pending") {
      app.toast("This draft is no longer waiting for a decision.", "info");
      return;
    }
    // The rules' answer for this draft (computed in Rust) says whether `a` may approve it;
    // if the draft is not loaded yet, the backend asks the same rules and refuses.
    if (verdict === "approve" && detail?.draft.id === draftId && detail.approval?.allowed === false) {
      app.toast(detail.approval.reason ?? "You may not approve this draft.", "warn");
      return;
    }
    if (verdict === "approve") approveAsking(draftId);
    else decide(draftId, verdict, "");
  }

  /** Approves `draftId`, first asking what has to be asked: a late draft, then an override. */
  function approveAsking(draftId, { lateConfirmed = false } = {}) {
    // A draft whose time has passed (or will, before an offline laptop syncs): the approval
    // still counts, late; the reviewer says they mean it.
    const warning = lateConfirmed ? null : scheduleWarningFor(app.state, draftId);
    if (warning && warningWords(warning)) {
      app.overlays.open({
        kind: "confirm-late", testid: "confirm-late", labelledBy: "late-title",
        build: (panel) => buildConfirmLate(panel, { warning, draftId }),
      });
      return;
    }
    // Over a blocking finding the approval needs a reason: ask for it in the same flow.
    // The backend asks the guard again either way (and says override_required).
    const { detail } = app.state;
    if (detail?.draft.id === draftId && blockingCount(detail.findings) > 0) {
      openComposer("override");
      return;
    }
    decide(draftId, "approve", "");
  }

  /** The reviewer confirmed approving a draft past its time (the confirm-late dialog). */
  function approveLate(draftId) {
    app.overlays.close();
    approveAsking(draftId, { lateConfirmed: true });
  }

  // A refusal ("a reason is required") goes once the reviewer starts typing the reason.
  els.draft.addEventListener("input", (event) => {
    const target = event.target;
    if (!(target instanceof HTMLTextAreaElement) || !target.dataset.composer || !app.state.composerError) return;
    app.apply({ type: "composer-refused", error: "" });
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

  return {
    scheduleDetail, loadDetail, show, refreshQuietly, render,
    decide, decideSelected, approveAsking, approveLate,
    openComposer, openOverride, cancelComposer, submitComposer, refuse,
  };
}

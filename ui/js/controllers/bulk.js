// Bulk approval and undo: the checked rows (`x`, Shift+J/K), the confirmation (`A`, Enter),
// and taking a decision back (`u`, or a toast's Undo). Which drafts may be approved in bulk
// is Rust's rule (`bulk_check`, checked again by `decide_many`); whether a decision can
// still be undone is Rust's answer too (`undo`, refused `undo_too_late`).
import { CODES } from "../error-codes.js";
import { verdictVerb } from "../format.js";
import {
  afterUndo, checkedInOrder, extendChecked, forget, idsOf, keepListed, lastDecision, noneChecked,
  remember, toggleChecked,
} from "../bulk.js";
import { buildBulkConfirm, bulkDoneText, decisionToast } from "../views/bulk.js";

export function createBulkController(app) {
  const { els, backend } = app;
  let checked = noneChecked();
  /** Decisions made in this window, newest last: `{key, mutationId, draftId, label}`. */
  let decisions = [];
  let nextKey = 1;
  let busy = false;

  const ids = () => app.state.queue.items.map((item) => item.id);

  function redraw() {
    app.queue.render({ reveal: true });
  }

  /** The checked set the queue draws (rows gone from the queue drop out). */
  function checkedSet() {
    checked = keepListed(checked, ids());
    return checked;
  }

  function toggle() {
    const id = app.state.queue.selectedId;
    if (!id) return;
    checked = toggleChecked(checked, id);
    redraw();
  }

  function extend(step) {
    const { checked: next, focus } = extendChecked(checked, ids(), app.state.queue.selectedId, step);
    checked = next;
    if (focus && focus !== app.state.queue.selectedId) {
      app.apply({ type: "selected", id: focus });
      app.draft.loadDetail();
    }
    redraw();
  }

  function selection() {
    const chosen = checkedInOrder(checkedSet(), ids());
    // Nothing checked: `A` offers the focused row alone.
    if (chosen.length === 0 && app.state.queue.selectedId) return [app.state.queue.selectedId];
    return chosen;
  }

  async function openConfirm() {
    const draftIds = selection();
    if (draftIds.length === 0 || busy) return;
    try {
      const check = await backend.bulkCheck(draftIds);
      app.overlays.open({
        kind: "bulk", testid: "bulk-overlay", labelledBy: "bulk-title",
        build: (panel) => {
          buildBulkConfirm(panel, check);
          panel.dataset.draftIds = draftIds.join(",");
        },
      });
    } catch (e) {
      app.report(e, "Could not check the selection");
    }
  }

  async function confirm() {
    const panel = app.overlays.kind() === "bulk" ? els.overlay.querySelector(".panel-bulk") : null;
    const draftIds = (panel?.dataset.draftIds ?? "").split(",").filter(Boolean);
    app.overlays.close();
    if (draftIds.length === 0 || busy) return;
    busy = true;
    const before = app.state.queue.selectedId;
    try {
      // Shown at once; Rust checks every one again and records those it may.
      const pressed = new Map();
      for (const draftId of draftIds) {
        pressed.set(draftId, app.apply({ type: "decision-pressed", draftId, verdict: "approve" }).lastUndo);
      }
      app.apply({ type: "selected", id: before });
      redraw();
      let decided;
      try {
        decided = await backend.decideMany(draftIds);
      } catch (e) {
        for (const undo of pressed.values()) app.apply({ type: "decision-refused", undo });
        redraw();
        app.report(e, "Could not approve the selection");
        return;
      }
      const recorded = new Set();
      const keys = [];
      for (const { draft_id: draftId, mutation_id: mutationId } of decided.recorded) {
        recorded.add(draftId);
        app.apply({ type: "decision-recorded", undo: pressed.get(draftId), mutationId });
        keys.push(nextKey);
        decisions = remember(decisions, { key: nextKey++, mutationId, draftId, label: "approved" });
      }
      for (const [draftId, undo] of pressed) {
        if (!recorded.has(draftId)) app.apply({ type: "decision-refused", undo });
      }
      checked = noneChecked();
      redraw();
      // The counts come from the page: read it again with the approvals in the outbox.
      app.queue.refresh();
      app.status.refresh();
      app.draft.loadDetail();
      if (decided.recorded.length) {
        decisionToast(els.toasts, bulkDoneText(decided), keys);
      } else {
        app.toast("Nothing was approved: every selected draft was left out.", "warn");
      }
    } finally {
      busy = false;
    }
  }

  /** A single decision was recorded (the draft pane's `a`, `r`, `c`): offer its undo. */
  function decided({ draftId, verdict, mutationId }) {
    const key = nextKey++;
    decisions = remember(decisions, { key, mutationId, draftId, label: verdictVerb(verdict) });
    decisionToast(els.toasts, `Recorded: you ${verdictVerb(verdict)}.`, [key]);
  }

  /**
   * Takes back the decisions named by `keys`, newest first: each undo lowers the ids above
   * it, so going down from the top leaves the others' ids as they are.
   */
  async function undo(keys) {
    if (busy) return;
    busy = true;
    let undone = 0;
    try {
      const wanted = idsOf(decisions, keys).sort((a, b) => b - a);
      if (wanted.length === 0) app.toast("That was undone already.", "info");
      for (const mutationId of wanted) {
        try {
          const answer = await backend.undo(mutationId);
          decisions = afterUndo(decisions, answer);
          undone += 1;
        } catch (e) {
          decisions = forget(decisions, mutationId);
          if (e.code === CODES.UNDO_TOO_LATE) app.toast(e.message, "warn");
          else app.report(e, "Could not undo");
          break;
        }
      }
    } finally {
      busy = false;
    }
    dropStaleToasts();
    if (undone) {
      app.toast(undone === 1 ? "Undone: the draft is back in your queue, undecided." : `Undone: ${undone} drafts are back in your queue, undecided.`);
      await app.queue.refresh();
      app.status.refresh();
    }
  }

  /** Removes the toasts whose Undo has nothing left to take back. */
  function dropStaleToasts() {
    for (const button of els.toasts.querySelectorAll("[data-testid=toast-undo]")) {
      const keys = String(button.dataset.undoKeys ?? "").split(",").map(Number);
      if (idsOf(decisions, keys).length === 0) button.closest("[data-testid=toast]")?.remove();
    }
  }

  function undoLast() {
    const last = lastDecision(decisions);
    if (!last) {
      app.toast("Nothing to undo: no decision made in this window is waiting.", "info");
      return;
    }
    return undo([last.key]);
  }

  function undoFrom(el) {
    el?.closest("[data-testid=toast]")?.remove();
    const keys = String(el?.dataset.undoKeys ?? "").split(",").map(Number).filter((n) => n > 0);
    if (keys.length) return undo(keys);
  }

  return { checkedSet, toggle, extend, openConfirm, confirm, decided, undoLast, undoFrom };
}

// The overlays, one at a time: help, conflicts, export, the sign-out dialog (and the
// confirm-late dialog the draft controller opens). Access has its own controller.
import { h } from "../dom.js";
import { renderConflicts } from "../views/conflicts.js";
import { hasFilter } from "../queue-state.js";
import { renderExport } from "../views/export.js";
import { renderHelp } from "../views/help.js";
import { buildConfirmSignOut, closeOverlay, openOverlay, overlayKind } from "../views/overlay.js";

export function createOverlaysController(app) {
  const { els, backend } = app;

  const kind = () => overlayKind(els.overlay);

  function open(spec) {
    return openOverlay(els.overlay, spec);
  }

  /** Closes the overlay and gives the keys back to the queue. */
  function close() {
    closeOverlay(els.overlay);
    app.queue.focus();
  }

  /** Escape: closes the overlay, else the composer, else leaves a field for the queue. */
  function closeOrLeave() {
    if (kind()) close();
    else if (app.state.composer) app.draft.cancelComposer();
    else app.queue.focus();
  }

  function toggleHelp() {
    const shown = kind();
    if (shown === "help") close();
    else if (!shown) open({ kind: "help", testid: "help", labelledBy: "help-title", build: (panel) => renderHelp(panel) });
  }

  // ---- conflicts ----

  async function loadConflicts() {
    const panel = els.overlay.querySelector(".panel-conflicts");
    if (!panel) return;
    try {
      const list = await backend.conflicts();
      if (kind() === "conflicts") renderConflicts(panel, list, Date.now());
    } catch (e) {
      app.report(e, "Could not load conflicts");
    }
  }

  /** The conflicts list is open: fetch it again (a sync may have changed it). */
  function reloadConflicts() {
    if (kind() === "conflicts") loadConflicts();
  }

  function openConflicts() {
    open({
      kind: "conflicts", testid: "conflicts", labelledBy: "conflicts-title",
      build: (panel) => panel.append(h("p", { class: "muted" }, "Loading conflicts…")),
    });
    loadConflicts();
  }

  async function decideAgain(draftId) {
    closeOverlay(els.overlay);
    if (!app.state.queue.items.some((i) => i.id === draftId) && hasFilter(app.state.queue.filter)) {
      app.apply({ type: "filter-cleared" });
      app.queue.renderFilters();
      await app.queue.refresh();
    }
    if (app.queue.reveal(draftId)) app.draft.loadDetail();
    else await app.draft.show(draftId);
  }

  async function dismissConflict(mutationId) {
    try {
      await backend.dismissConflict(Number(mutationId));
      await Promise.all([loadConflicts(), app.status.refresh()]);
    } catch (e) {
      app.report(e, "Could not dismiss the conflict");
    }
  }

  // ---- sign-out and export ----

  async function openSignOut() {
    await app.status.refresh();
    open({
      kind: "sign-out", testid: "sign-out-dialog", labelledBy: "signout-title",
      build: (panel) => buildConfirmSignOut(panel, { pending: Number(app.state.status?.pending ?? 0) }),
    });
  }

  async function exportDecisions() {
    if (app.state.exporting) return;
    app.apply({ type: "export-started" });
    open({
      kind: "export", testid: "export", labelledBy: "export-title",
      build: (panel) => panel.append(h("p", { class: "muted" }, "Writing your decisions…")),
    });
    try {
      const written = await backend.exportDecisions();
      const panel = els.overlay.querySelector(".panel-export");
      if (panel && kind() === "export") {
        renderExport(panel, written);
        panel.querySelector("[autofocus]")?.focus();
      }
    } catch (e) {
      closeOverlay(els.overlay);
      app.report(e, "Could not export your decisions");
    } finally {
      app.apply({ type: "export-ended" });
    }
  }

  // A click on the dimmed backdrop closes the overlay.
  els.overlay.addEventListener("click", (event) => {
    if (event.target === els.overlay) close();
  });

  return {
    kind, isOpen: () => Boolean(kind()), open, close, closeOrLeave, toggleHelp,
    openConflicts, reloadConflicts, decideAgain, dismissConflict, openSignOut, exportDecisions,
    /** Closes without moving focus (the sign-in screen takes over). */
    dismiss: () => closeOverlay(els.overlay),
  };
}

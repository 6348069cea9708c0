// The status line and syncing: the connection, the outbox, conflicts, crisis mode, admin tools.
import { CODES, SESSION_ENDED } from "../error-codes.js";
import { roles, userName } from "../state.js";
import { renderCrisisMode } from "../views/crisis.js";
import { receiptWarning } from "../views/export.js";
import { renderStatus } from "../views/status.js";

export function createStatusController(app) {
  const { els, backend } = app;

  function render() {
    const { status, syncing } = app.state;
    renderStatus(els.status, { status, syncing, now: Date.now(), userName: userName(app.state) });
    renderCrisisMode(els.crisisMode, status);
    renderAdminTools();
    app.access.render();
  }

  /** Administrators get the Access view; roles come from the server, as of the last sync. */
  function renderAdminTools() {
    els.accessOpen.hidden = !roles(app.state).includes("admin");
  }

  async function refresh() {
    try {
      app.apply({ type: "status-fetched", status: await backend.status() });
      render();
    } catch (e) {
      if (SESSION_ENDED.has(e.code)) app.report(e);
    }
  }

  async function syncNow() {
    if (app.state.syncing) return;
    app.apply({ type: "sync-started" });
    render();
    try {
      const r = await backend.syncNow();
      if (r?.refused > 0) {
        app.toast(r.refused === 1
          ? "The server refused 1 decision. Open Conflicts to see why."
          : `The server refused ${r.refused} decisions. Open Conflicts to see why.`, "warn");
      }
      const badReceipts = receiptWarning(r?.receipts_failed);
      if (badReceipts) app.toast(badReceipts, "error", 12000);
    } catch (e) {
      if (e.code === CODES.OFFLINE) app.toast("Offline. Your decisions are saved here and will sync when you are back online.", "warn");
      else app.report(e, "Sync failed");
    } finally {
      app.apply({ type: "sync-ended" });
      await refresh();
      if (app.state.user) app.queue.refresh();
      app.overlays.reloadConflicts();
    }
  }

  /** A status event from the sync engine. */
  function pushed(status) {
    const conflictsBefore = app.state.status?.conflicts;
    app.apply({ type: "status-pushed", status });
    if (!app.state.user) return;
    render();
    if (status?.conflicts !== conflictsBefore) app.overlays.reloadConflicts();
  }

  return { render, renderAdminTools, refresh, syncNow, pushed };
}

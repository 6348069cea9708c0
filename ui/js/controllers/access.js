// The Access overlay (administrators): who has access to what, and crisis mode on/off.
import { CODES } from "../error-codes.js";
import { h } from "../dom.js";
import { renderAccess } from "../views/access.js";

export function createAccessController(app) {
  const { els, backend } = app;
  let shown = ""; // what the panel last showed, so status ticks do not rebuild it

  function render() {
    if (app.overlays.kind() !== "access") return;
    const panel = els.overlay.querySelector(".panel-access");
    const { access, status } = app.state;
    if (!panel || !access) return;
    // Statuses arrive every sync; rebuild only when something the panel shows changed, so a
    // click or a half-typed reason is never lost to a rebuild.
    const crisis = status?.crisis ?? null;
    const now = JSON.stringify([
      access.entries?.length ?? null, access.loadError, access.busy, access.error,
      crisis?.reason ?? null, crisis?.since ?? null, status?.online ?? null,
    ]);
    if (now === shown && panel.childElementCount > 0) return;
    shown = now;
    const focused = document.activeElement?.getAttribute?.("data-testid");
    const typed = panel.querySelector("[data-testid=crisis-reason]")?.value ?? "";
    const ticked = [...panel.querySelectorAll("input[name=channel]:checked")].map((i) => i.value);
    renderAccess(panel, { ...access, crisis, online: status?.online ?? null, now: Date.now() });
    const reason = panel.querySelector("[data-testid=crisis-reason]");
    if (reason) reason.value = typed;
    for (const box of panel.querySelectorAll("input[name=channel]")) box.checked = ticked.includes(box.value);
    if (focused) panel.querySelector(`[data-testid="${focused}"]`)?.focus();
  }

  async function open() {
    app.apply({ type: "access-opened" });
    shown = "";
    app.overlays.open({
      kind: "access", testid: "access", labelledBy: "access-title",
      build: (panel) => panel.append(h("p", { class: "muted" }, "Loading who has access to what…")),
    });
    render();
    try {
      const entries = await backend.access();
      if (app.overlays.kind() !== "access") return;
      app.apply({ type: "access-changed", patch: { entries } });
    } catch (e) {
      if (app.report(e)) return;
      app.apply({
        type: "access-changed",
        patch: { loadError: e.code === CODES.OFFLINE ? "Offline: the Access view asks the server, which cannot be reached now." : e.message },
      });
    }
    render();
  }

  async function changeCrisis(turnOn, form) {
    if (!app.state.access || app.state.access.busy) return;
    const reason = form?.querySelector("[name=reason]")?.value.trim() ?? "";
    const channels = form ? [...form.querySelectorAll("input[name=channel]:checked")].map((i) => i.value) : [];
    if (turnOn && !reason) {
      app.apply({ type: "access-changed", patch: { error: "Say why: everyone who sees the crisis banner reads it." } });
      render();
      return;
    }
    app.apply({ type: "access-changed", patch: { busy: true, error: "" } });
    render();
    try {
      const result = turnOn ? await backend.crisisOn({ reason, channels }) : await backend.crisisOff();
      const e = result?.effect;
      if (e) {
        app.toast(turnOn
          ? `Crisis mode is on: ${e.escalated} drafts became crisis drafts, ${e.held} approved posts are held.`
          : `Crisis mode is off: ${e.returned_to_review} held posts are back in review.`, "info");
      }
      app.apply({ type: "access-changed", patch: { busy: false } });
      await app.status.refresh();
      app.queue.refresh();
    } catch (err) {
      if (app.report(err)) return;
      app.apply({
        type: "access-changed",
        patch: { busy: false, error: err.code === CODES.OFFLINE ? "Offline: try again when the server can be reached." : err.message },
      });
    }
    render();
  }

  els.overlay.addEventListener("submit", (event) => {
    if (event.target instanceof HTMLFormElement && event.target.dataset.crisisForm) {
      event.preventDefault();
      changeCrisis(true, event.target);
    }
  });

  return { render, open, changeCrisis };
}

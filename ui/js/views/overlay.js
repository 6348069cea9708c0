// One overlay at a time (help, conflicts, confirm sign-out) and the toasts.
import { h } from "../dom.js";

export function openOverlay(root, { kind, testid, labelledBy, build }) {
  const panel = h("div", {
    class: `panel panel-${kind}`, role: "dialog", "aria-modal": "true",
    "aria-labelledby": labelledBy, testid, tabindex: "-1", dataset: { kind },
  });
  build(panel);
  root.replaceChildren(panel);
  root.hidden = false;
  root.dataset.kind = kind;
  const first = panel.querySelector("[autofocus]") ?? panel;
  first.focus();
  return panel;
}

export function closeOverlay(root) {
  root.hidden = true;
  delete root.dataset.kind;
  root.replaceChildren();
}

export function overlayKind(root) {
  return root.hidden ? null : root.dataset.kind ?? null;
}

export function buildConfirmSignOut(panel, { pending }) {
  panel.append(
    h("header", { class: "panel-head" }, h("h2", { id: "signout-title" }, "Sign out?")),
    pending > 0
      ? h("p", { class: "warning-box", role: "alert" },
        h("strong", {}, pending === 1 ? "1 decision has not reached the server yet. " : `${pending} decisions have not reached the server yet. `),
        "Signing out now erases them from this device. Sync first if you can.")
      : h("p", {}, "Your local copy of the queue is erased from this device."),
    h("p", { class: "muted small", testid: "sign-out-receipts" },
      "The server's receipts for your decisions are erased with it: export your decisions first to keep them."),
    h("div", { class: "panel-actions" },
      h("button", { type: "button", class: "button subtle", dataset: { action: "export-decisions" } }, "Export my decisions"),
      pending > 0 ? h("button", { type: "button", class: "button", dataset: { action: "sync" } }, "Sync now") : null,
      h("button", { type: "button", class: "button subtle", dataset: { action: "close-overlay" }, autofocus: true }, "Cancel"),
      h("button", { type: "button", class: "button danger", dataset: { action: "confirm-sign-out" }, testid: "confirm-sign-out" },
        pending > 0 ? "Sign out and lose them" : "Sign out")));
}

export function toast(root, text, tone = "info", ms = 6000) {
  const el = h("div", { class: `toast toast-${tone}`, role: tone === "error" ? "alert" : "status", testid: "toast" }, text);
  root.append(el);
  setTimeout(() => el.remove(), ms);
}

// Bulk approval's confirmation and the decision toast that offers Undo. Text only: every
// string from Rust or the server (channel, preview, reason) goes in as a text node.
import { h } from "../dom.js";
import { confirmWords, UNDO_OFFER_MS } from "../bulk.js";

/**
 * The confirmation for a `bulk_check` answer, into an overlay panel: how many will be
 * approved, and each one left out with its channel, first line and Rust's reason. The
 * Approve button has the focus when there is something to approve, so Enter confirms;
 * Cancel (and Escape) records nothing.
 */
export function buildBulkConfirm(panel, check) {
  const words = confirmWords(check);
  panel.setAttribute("role", "alertdialog");
  panel.setAttribute("aria-describedby", "bulk-summary");
  const leftOut = (check.left_out ?? []).map((out) =>
    h("li", { class: "bulk-left-out", testid: "bulk-left-out", dataset: { draftId: out.draft_id } },
      h("span", { class: "bulk-channel" }, out.channel || "Unknown draft"),
      " ",
      h("span", { class: "bulk-preview" }, out.preview ? `“${out.preview}”` : ""),
      h("div", { class: "bulk-reason muted small", testid: "bulk-reason" }, out.reason)));
  panel.append(
    h("header", { class: "panel-head" }, h("h2", { id: "bulk-title", testid: "bulk-title" }, words.title)),
    h("p", { id: "bulk-summary", testid: "bulk-summary" }, words.summary),
    leftOut.length ? h("ul", { class: "bulk-left-out-list", testid: "bulk-left-out-list" }, leftOut) : null,
    h("div", { class: "panel-actions" },
      h("button", {
        type: "button", class: "button subtle", dataset: { action: "close-overlay" },
        autofocus: !words.canConfirm, testid: "bulk-cancel",
      }, words.canConfirm ? "Cancel" : "Close"),
      words.canConfirm
        ? h("button", {
          type: "button", class: "button primary", dataset: { action: "confirm-bulk" },
          autofocus: true, testid: "bulk-confirm",
        }, `Approve ${check.eligible.length}`)
        : null));
  return panel;
}

/**
 * A toast for decisions just recorded, with an "Undo" button (`data-action="undo"`,
 * `data-undo-keys`: the undo list's keys of those decisions, comma-separated) for `ms`
 * milliseconds. Returns the toast element.
 */
export function decisionToast(root, text, keys, ms = UNDO_OFFER_MS) {
  const el = h("div", { class: "toast toast-info", role: "status", testid: "toast" },
    h("span", {}, text),
    " ",
    h("button", {
      type: "button", class: "button subtle toast-undo", testid: "toast-undo",
      dataset: { action: "undo", undoKeys: [].concat(keys).join(",") },
      "aria-label": `Undo: ${text}`,
    }, "Undo"));
  root.append(el);
  setTimeout(() => el.remove(), ms);
  return el;
}

/** The toast text after a bulk approval. */
export function bulkDoneText(decided) {
  const n = decided.recorded.length;
  const out = decided.left_out.length;
  const approved = `Approved ${n} ${n === 1 ? "draft" : "drafts"}`;
  return out ? `${approved}; ${out} left out.` : `${approved}.`;
}

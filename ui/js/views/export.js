// "Export my decisions": what the export wrote and where. Every string (the folder, the
// file names) goes into the page as text, never as markup.
import { h } from "../dom.js";

function plural(n, one, many) {
  return n === 1 ? `1 ${one}` : `${n} ${many}`;
}

/** The file name at the end of a path, for the list of what was written. */
export function fileName(path) {
  const text = String(path ?? "");
  const cut = Math.max(text.lastIndexOf("/"), text.lastIndexOf("\\"));
  return cut >= 0 ? text.slice(cut + 1) : text;
}

/**
 * The words for an ExportReport (`{ folder, csv, json, decisions, confirmed, unconfirmed,
 * failed_checks }`). Pure, so it is tested.
 */
export function exportWords(report) {
  const decisions = Number(report?.decisions ?? 0);
  const confirmed = Number(report?.confirmed ?? 0);
  const unconfirmed = Number(report?.unconfirmed ?? 0);
  const failed = Number(report?.failed_checks ?? 0);
  return {
    headline: decisions === 0
      ? "No decisions to export yet"
      : `${plural(decisions, "decision", "decisions")} exported`,
    where: `Saved in ${report?.folder ?? ""}`,
    files: [report?.csv, report?.json].filter(Boolean).map(fileName),
    confirmed: `${confirmed} confirmed by the server, each with its signed receipt.`,
    unconfirmed: unconfirmed > 0
      ? `${plural(unconfirmed, "decision is", "decisions are")} not yet confirmed by the server: ` +
        "no receipt yet. Sync, then export again to include the receipt."
      : "",
    failed: failed > 0
      ? `${plural(failed, "receipt", "receipts")} did not pass the check against the server's key. ` +
        "Keep the files and tell your administrator."
      : "",
    verify: "Anyone with the server's public key can check the receipts in the JSON file, " +
      "without trusting the server: countersign-server receipt verify --key-file KEY FILE.",
  };
}

/** The warning after a sync whose receipts failed the desktop's check; "" when none did. */
export function receiptWarning(failed) {
  const n = Number(failed ?? 0);
  if (!(n > 0)) return "";
  return `${plural(n, "receipt", "receipts")} from the server did not pass the check: ` +
    "export your decisions to keep them, and tell your administrator.";
}

/** Fills the overlay panel with the export's outcome. */
export function renderExport(panel, report) {
  const w = exportWords(report);
  // replaceChildren, unlike h(), would write a left-out (null) part as the text "null".
  const parts = [
    h("header", { class: "panel-head" },
      h("h2", { id: "export-title" }, w.headline),
      h("button", { type: "button", class: "icon-button", dataset: { action: "close-overlay" }, "aria-label": "Close" }, "×")),
    h("p", { class: "panel-lede", testid: "export-folder" }, w.where),
    h("ul", { class: "export-files", testid: "export-files" }, w.files.map((name) => h("li", {}, h("code", {}, name)))),
    h("p", { testid: "export-confirmed" }, w.confirmed),
    w.unconfirmed ? h("p", { class: "notice-box", role: "status", testid: "export-unconfirmed" }, w.unconfirmed) : null,
    w.failed ? h("p", { class: "warning-box", role: "alert", testid: "export-failed" }, w.failed) : null,
    h("p", { class: "muted small" }, w.verify),
    h("div", { class: "panel-actions" },
      h("button", { type: "button", class: "button", dataset: { action: "close-overlay" }, autofocus: true }, "Done")),
  ];
  panel.replaceChildren(...parts.filter(Boolean));
}

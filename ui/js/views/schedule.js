// Late approvals: the question the console asks before approving a draft whose time has
// passed (or, offline, will pass before the laptop is likely to sync), the "late" badge and
// the history's words. Whether to warn is the rules' answer (Rust: `schedule_warning` in the
// draft detail, `late_by_secs` in a queue row); this file only words it. Every string goes
// in as text.
import { h } from "../dom.js";
import { formatSpan } from "../format.js";

/** A span of seconds in words: "30 s" under a minute, else "2 h 5 min" (see formatSpan). */
export function lateSpan(secs) {
  const n = Math.max(0, Math.floor(Number(secs) || 0));
  return n < 60 ? `${Math.max(1, n)} s` : formatSpan(n * 1000);
}

/**
 * The sentences for a ScheduleWarning (`{ kind: "passed", by_secs }` or `{ kind:
 * "before_likely_sync", publishes_in_secs, offline_for_secs }`); null for none or an
 * unknown kind (a newer backend's: the window asks nothing rather than guess).
 * @returns {{title: string, text: string, question: string} | null}
 */
export function warningWords(warning) {
  switch (warning?.kind) {
    case "passed":
      return {
        title: "Its time has passed",
        text: `This draft was due to go out ${lateSpan(warning.by_secs)} ago.`,
        question: "Approve it anyway? It will be marked late.",
      };
    case "before_likely_sync": {
      const soon = Number(warning.publishes_in_secs) < 60
        ? "publishes in under a minute"
        : `publishes in ${lateSpan(warning.publishes_in_secs)}`;
      return {
        title: "It may go out before you sync",
        text: `You have been offline for ${lateSpan(warning.offline_for_secs)}; this draft ${soon}, ` +
          "probably before your laptop syncs.",
        question: "Approve it anyway? If it reaches the server after its time, it will be marked late.",
      };
    }
    default:
      return null;
  }
}

/** The history's words for a decided entry's lateness: "2 h 5 min after its scheduled time". */
export function lateHistoryText(lateSecs) {
  return `${lateSpan(lateSecs)} after its scheduled time`;
}

/** The "late" badge; `title` says by how much. */
export function lateBadge(title, testid = "late-badge") {
  return h("span", { class: "badge badge-late", title, testid }, "Late");
}

/**
 * The confirmation dialog's content, into an overlay panel. Cancel has the focus (nothing
 * happens by accident); Tab reaches "Approve anyway", Escape closes it.
 */
export function buildConfirmLate(panel, { warning, draftId }) {
  const words = warningWords(warning);
  if (!words) return panel;
  panel.setAttribute("role", "alertdialog");
  panel.setAttribute("aria-describedby", "late-text");
  panel.append(
    h("header", { class: "panel-head" }, h("h2", { id: "late-title" }, words.title)),
    h("p", { id: "late-text", testid: "late-text" }, words.text, " ", h("strong", {}, words.question)),
    h("div", { class: "panel-actions" },
      h("button", { type: "button", class: "button subtle", dataset: { action: "close-overlay" }, autofocus: true, testid: "late-cancel" }, "Cancel"),
      h("button", {
        type: "button", class: "button primary", dataset: { action: "confirm-late", draftId }, testid: "late-confirm",
      }, "Approve anyway")));
  return panel;
}

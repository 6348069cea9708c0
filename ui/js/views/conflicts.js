// The conflicts panel: decisions the server refused, why, and what changed.
import { h } from "../dom.js";
import { side, wordDiff } from "../diff.js";
import { networkLabel, relativeTime, verdictVerb } from "../format.js";

const REASONS = {
  stale_version: "The author edited the draft after you decided",
  already_decided: "Someone else decided first",
  withdrawn: "The author withdrew it",
};

/** The refusal in words. */
export function conflictReasonText(conflict) {
  if (conflict.status === "conflict" && REASONS[conflict.reason]) return REASONS[conflict.reason];
  if (conflict.message) return conflict.message;
  if (conflict.status === "forbidden") return "You may not decide on this draft.";
  return "The server refused it.";
}

function what(conflict) {
  const m = conflict.mutation ?? {};
  if (m.kind === "decide") {
    const d = m.decision ?? {};
    return { title: `You ${verdictVerb(d.verdict)}`, comment: d.comment ?? "", draftId: d.draft_id };
  }
  if (m.kind === "annotate") {
    const a = m.annotation ?? {};
    return { title: "Your comment", comment: a.body ?? "", draftId: a.draft_id };
  }
  return { title: "Your change", comment: "", draftId: null };
}

function textWithDiff(parts, testid, label) {
  return h("div", { class: "diff-col" },
    h("div", { class: "diff-label" }, label),
    h("div", { class: "diff-text", testid },
      parts.map((p) => (p.op === "equal" ? p.text : h(p.op === "insert" ? "ins" : "del", {}, p.text)))));
}

function conflictCard(conflict, now) {
  const w = what(conflict);
  const before = conflict.decided_on?.body;
  const after = conflict.current?.body;
  const draft = conflict.current ?? conflict.decided_on;
  let body;
  if (before !== undefined && after !== undefined) {
    const diff = wordDiff(before, after);
    body = h("div", { class: "diff" },
      textWithDiff(side(diff, "before"), "conflict-decided-on", `What you decided on (v${conflict.decided_on.version})`),
      textWithDiff(side(diff, "after"), "conflict-current", `Now (v${conflict.current.version})`));
  } else {
    body = h("div", { class: "diff" },
      h("div", { class: "diff-col" }, h("div", { class: "diff-label" }, "What you decided on"),
        h("div", { class: "diff-text", testid: "conflict-decided-on" }, before ?? "Not available")),
      h("div", { class: "diff-col" }, h("div", { class: "diff-label" }, "Now"),
        h("div", { class: "diff-text", testid: "conflict-current" }, after ?? "Not available")));
  }
  const canDecide = conflict.current && conflict.current.status === "pending";
  return h("li", { class: "conflict", testid: "conflict", dataset: { mutationId: conflict.mutation_id } },
    h("div", { class: "conflict-head" },
      h("div", {},
        h("div", { class: "conflict-title" }, h("strong", {}, w.title),
          draft ? ` · ${networkLabel(draft.network)} ${draft.channel}` : ""),
        h("div", { class: "conflict-reason" }, conflictReasonText(conflict))),
      h("span", { class: "muted small" }, relativeTime(conflict.at, now))),
    w.comment ? h("div", { class: "quote" }, w.comment) : null,
    body,
    h("div", { class: "conflict-actions" },
      canDecide
        ? h("button", { type: "button", class: "button primary small", dataset: { action: "decide-again", draftId: conflict.current.id } }, "Decide again")
        : null,
      h("button", { type: "button", class: "button small subtle", dataset: { action: "dismiss-conflict", mutationId: conflict.mutation_id } }, "Dismiss")));
}

export function renderConflicts(panel, conflicts, now) {
  panel.replaceChildren(
    h("header", { class: "panel-head" },
      h("h2", { id: "conflicts-title" }, "Conflicts"),
      h("button", { type: "button", class: "icon-button", dataset: { action: "close-overlay" }, "aria-label": "Close" }, "×")),
    h("p", { class: "panel-lede muted" }, "Decisions the server could not apply. Nothing here blocks your other decisions."),
    conflicts.length
      ? h("ol", { class: "conflict-list" }, conflicts.map((c) => conflictCard(c, now)))
      : h("p", { class: "empty-note" }, "No conflicts. Every decision you made has been applied."));
}

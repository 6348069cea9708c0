// The policy guard's findings in the draft pane: the panel listing them (read before the
// body), the body with each spanned finding marked, and the emphasis that ties a listed
// finding to its mark. Text nodes and <mark> elements only; every server string is text.
import { h } from "../dom.js";
import { wireEmphasis } from "./emphasis.js";
import {
  SEVERITY_LABELS, categoryLabel, excerpt, findingRanges, findingsSummary, groupFindings,
  markSegments, routeText, worstSeverity,
} from "../findings.js";

/**
 * Fills `el` with `body`, each finding with a span marked. The marks of a finding carry its
 * index in `data-findings` (a piece covered by overlapping findings lists them all).
 */
export function renderBody(el, body, findings) {
  const list = findings ?? [];
  el.replaceChildren(...markSegments(body, list).map((piece) => {
    if (!piece.findings.length) return document.createTextNode(piece.text);
    return h("mark", {
      class: ["finding-mark", `severity-${piece.severity}`, piece.findings.length > 1 && "overlap"],
      dataset: { findings: piece.findings.join(" ") },
      title: piece.findings.map((i) => list[i].message).join("\n"),
    }, piece.text);
  }));
  return el;
}

function findingItem(group, ranges, body) {
  const { finding, indices, showReason } = group;
  const quotes = [...new Set(indices.map((i) => excerpt(body, ranges[i])).filter(Boolean))];
  return h("li", {
    class: ["finding", `severity-${finding.severity}`, !quotes.length && "whole-draft"],
    tabindex: "0",
    testid: "finding",
    dataset: {
      finding: indices.join(" "), rule: finding.rule, severity: finding.severity,
      marked: quotes.length ? "true" : "false",
    },
  },
  h("div", { class: "finding-head" },
    h("span", { class: `severity severity-${finding.severity}` }, SEVERITY_LABELS[finding.severity] ?? finding.severity),
    h("span", { class: "finding-category" }, categoryLabel(finding.category)),
    indices.length > 1 ? h("span", { class: "finding-times" }, `${indices.length} times`) : null,
    h("code", { class: "finding-rule" }, finding.rule)),
  h("div", { class: "finding-message" }, finding.message),
  quotes.length
    ? h("div", { class: "finding-quotes" }, h("span", { class: "visually-hidden" }, "In the text: "),
      quotes.map((q) => h("span", { class: "finding-quote" }, q)))
    : h("div", { class: "finding-where small" }, "About the whole draft"),
  showReason && finding.reason ? h("div", { class: "finding-reason small" }, finding.reason) : null);
}

/** The panel: a summary, each finding with its reason, and why the steps are what they are. */
export function findingsPanel(detail) {
  const findings = detail.findings ?? [];
  const body = detail.draft?.body ?? "";
  const ranges = findingRanges(body, findings);
  const worst = worstSeverity(findings.map((f) => f.severity));
  const route = routeText(detail.route, detail.steps);
  return h("section", {
    class: ["findings-panel", worst ? `worst-${worst}` : "clean"],
    testid: "findings",
    "aria-labelledby": "findings-title",
  },
  h("div", { class: "findings-head" },
    h("h3", { id: "findings-title" }, "Policy check"),
    h("span", { class: "findings-summary", testid: "findings-summary" }, findingsSummary(findings))),
  findings.length
    ? h("ol", { class: "finding-list" }, groupFindings(findings).map((g) => findingItem(g, ranges, body)))
    : null,
  route ? h("p", { class: ["route-note", `route-${detail.route.kind}`], testid: "route-note" }, route) : null);
}

/** The marks of a list entry's findings (`data-finding` holds their indices). */
function marksOf(root, indices) {
  const wanted = String(indices ?? "").split(" ").filter(Boolean);
  if (!wanted.length) return [];
  return [...root.querySelectorAll(wanted.map((i) => `mark[data-findings~="${CSS.escape(i)}"]`).join(", "))];
}

/**
 * Hovering or focusing a listed finding emphasises its marks in the body; clicking one
 * scrolls its first mark into view.
 */
export function wireFindingEmphasis(pane) {
  wireEmphasis(pane, {
    itemSelector: "li[data-finding]",
    className: "emphasis",
    marksOf: (root, item) => marksOf(root, item.dataset.finding),
  });
}

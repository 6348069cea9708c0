// The policy guard's findings in the draft pane: the panel listing them (read before the
// body), the body with each spanned finding marked, and the emphasis that ties a listed
// finding to its mark. Text nodes and <mark> elements only; every server string is text.
import { h } from "../dom.js";
import {
  SEVERITY_LABELS, categoryLabel, excerpt, findingRanges, findingsSummary, markSegments,
  routeText, worstSeverity,
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

function findingItem(finding, index, range, body) {
  const quoted = excerpt(body, range);
  return h("li", {
    class: ["finding", `severity-${finding.severity}`, !range && "whole-draft"],
    tabindex: "0",
    testid: "finding",
    dataset: { finding: index, rule: finding.rule, severity: finding.severity, marked: range ? "true" : "false" },
  },
  h("div", { class: "finding-head" },
    h("span", { class: `severity severity-${finding.severity}` }, SEVERITY_LABELS[finding.severity] ?? finding.severity),
    h("span", { class: "finding-category" }, categoryLabel(finding.category)),
    h("code", { class: "finding-rule" }, finding.rule)),
  h("div", { class: "finding-message" }, finding.message),
  quoted
    ? h("div", { class: "finding-quote" }, h("span", { class: "visually-hidden" }, "In the text: "), quoted)
    : h("div", { class: "finding-where small" }, "About the whole draft"),
  finding.reason ? h("div", { class: "finding-reason small" }, finding.reason) : null);
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
    ? h("ol", { class: "finding-list" }, findings.map((f, i) => findingItem(f, i, ranges[i], body)))
    : null,
  route ? h("p", { class: ["route-note", `route-${detail.route.kind}`], testid: "route-note" }, route) : null);
}

function marksOf(root, index) {
  return root.querySelectorAll(`mark[data-findings~="${CSS.escape(String(index))}"]`);
}

/**
 * Hovering or focusing a listed finding emphasises its marks in the body; clicking one
 * scrolls its first mark into view. Wired once on the pane, by delegation, so re-renders
 * need nothing.
 */
export function wireFindingEmphasis(pane) {
  const show = (item) => {
    for (const m of pane.querySelectorAll("mark.emphasis")) m.classList.remove("emphasis");
    if (item) for (const m of marksOf(pane, item.dataset.finding)) m.classList.add("emphasis");
  };
  const itemAt = (target) => (target instanceof Element ? target.closest("li[data-finding]") : null);
  // Focus wins when the pointer is elsewhere, so keyboard users keep their emphasis.
  pane.addEventListener("mouseover", (event) => show(itemAt(event.target) ?? itemAt(document.activeElement)));
  pane.addEventListener("mouseleave", () => show(itemAt(document.activeElement)));
  pane.addEventListener("focusin", (event) => show(itemAt(event.target)));
  pane.addEventListener("focusout", (event) => show(itemAt(event.relatedTarget)));
  pane.addEventListener("click", (event) => {
    const item = itemAt(event.target);
    if (!item) return;
    marksOf(pane, item.dataset.finding)[0]?.scrollIntoView({ block: "nearest", behavior: "smooth" });
  });
}

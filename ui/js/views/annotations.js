// Comments on the words in the draft pane: the body with findings, anchored comments and
// the reviewer's selection marked; the list of comments (on words still there, moved,
// gone, on the whole draft) with their suggestions; and the emphasis that ties a listed
// comment to its words. Text nodes and elements built with h() only: a draft's text and
// every comment are hostile strings and stay text.
import { h } from "../dom.js";
import { wireEmphasis } from "./emphasis.js";
import { fullTime, relativeTime } from "../format.js";
import {
  anchorNote, bodyPieces, groupAnnotations, quoteOf, shortQuote, suggestionWords,
} from "../annotations.js";

function pieceNode(piece, findings, annotations) {
  const hasFinding = piece.findings.length > 0;
  const notes = piece.annotations.map((i) => annotations[i]);
  if (!hasFinding && !notes.length && !piece.selected) return document.createTextNode(piece.text);
  if (!hasFinding && !notes.length) return h("span", { class: "selecting" }, piece.text);
  return h("mark", {
    class: [
      hasFinding && "finding-mark", hasFinding && `severity-${piece.severity}`, piece.findings.length > 1 && "overlap",
      notes.length && "note-mark", notes.some((a) => a.pending) && "note-pending", piece.selected && "selecting",
    ],
    dataset: {
      findings: hasFinding ? piece.findings.join(" ") : null,
      annotations: notes.length ? notes.map((a) => a.id).join(" ") : null,
    },
    title: [...piece.findings.map((i) => findings[i].message), ...notes.map((a) => `Comment: ${a.body}`)].join("\n") || null,
  }, piece.text);
}

/**
 * Fills `el` with `body`: each finding's and each anchored comment's words marked (a
 * piece under several lists them all in `data-findings` / `data-annotations`), the
 * selection (code points `{start, end}`) shown, and a caret (code point) drawn as an
 * empty element, so the body's text stays the draft's text exactly.
 */
export function renderAnnotatedBody(el, body, { findings = [], annotations = [], selection = null, caret = null } = {}) {
  const nodes = [];
  for (const piece of bodyPieces(body, { findings, annotations, selection, caret })) {
    if (piece.caretBefore) nodes.push(h("span", { class: "sel-caret", "aria-hidden": "true", testid: "selection-caret" }));
    if (piece.text) nodes.push(pieceNode(piece, findings, annotations));
  }
  el.replaceChildren(...nodes);
  return el;
}

function time(at, now) {
  if (!at) return null;
  return h("time", { datetime: at, title: fullTime(at) }, relativeTime(at, now));
}

function suggestion(a) {
  const s = suggestionWords(a);
  if (!s) return null;
  return h("div", { class: ["note-suggestion", s.accepted && "accepted"], testid: "annotation-suggestion" },
    h("span", { class: "note-verb" }, s.verb), " ",
    h("del", {}, s.from),
    s.to !== null ? [" with ", h("ins", {}, s.to)] : null,
    s.accepted ? h("span", { class: "note-accepted", testid: "annotation-accepted" }, "Accepted by the author") : null);
}

function annotationItem(a, now) {
  const state = a.target ? (a.anchor?.state ?? "detached") : "whole";
  const note = a.target ? anchorNote(a) : null;
  const quote = quoteOf(a);
  return h("li", {
    class: ["note", `note-${state}`, a.accepted && "note-is-accepted", a.pending && "note-pending"],
    tabindex: state === "exact" || state === "moved" ? "0" : null,
    testid: "annotation",
    dataset: { annotation: a.id, state, accepted: a.accepted ? "true" : "false" },
  },
  h("div", { class: "note-head" },
    h("strong", {}, a.by?.display_name ?? "You"),
    a.pending ? h("span", { class: "mark-unsynced" }, "not yet synced") : [h("span", { class: "muted" }, " · "), time(a.at, now)],
    Number.isFinite(a.version) ? h("span", { class: "muted small" }, ` · on v${a.version}`) : null),
  // A suggestion quotes the words itself; a plain comment on words quotes them here.
  quote && !suggestionWords(a)
    ? h("div", { class: "note-quote", testid: "annotation-quote" }, h("span", { class: "visually-hidden" }, "On the words: "), `“${shortQuote(quote)}”`)
    : null,
  note ? h("div", { class: "note-where small", testid: "annotation-where" }, note) : null,
  h("div", { class: "note-body" }, a.body ?? ""),
  suggestion(a));
}

/** The comments on a draft, where they point; null when it has none. */
export function annotationsPanel(detail, now) {
  const { marked, detached, whole } = groupAnnotations(detail.annotations);
  if (!marked.length && !detached.length && !whole.length) return null;
  return h("section", { class: "notes-panel", testid: "annotations", "aria-labelledby": "notes-title" },
    h("h3", { id: "notes-title" }, "Comments"),
    marked.length || whole.length
      ? h("ol", { class: "note-list", testid: "annotation-list" }, [...marked, ...whole].map((a) => annotationItem(a, now)))
      : null,
    detached.length
      ? h("div", { class: "notes-detached", testid: "annotations-detached" },
        h("h4", {}, "The words these pointed at are gone"),
        h("ol", { class: "note-list" }, detached.map((a) => annotationItem(a, now))))
      : null);
}

function marksOf(root, id) {
  if (!id) return [];
  return [...root.querySelectorAll(`mark[data-annotations~="${CSS.escape(id)}"]`)];
}

/**
 * Hovering or focusing a listed comment emphasises its words in the body; clicking one
 * scrolls them into view.
 */
export function wireAnnotationEmphasis(pane) {
  wireEmphasis(pane, {
    itemSelector: "li[data-annotation]",
    className: "note-emphasis",
    marksOf: (root, item) => marksOf(root, item.dataset.annotation),
  });
}

// Comments on the words, made ready for the window: where each anchored comment sits in
// the body (Rust re-anchors them; `anchor` is its answer, in code points), the body cut
// into pieces at the edges of findings, comments and the reviewer's selection, and the
// words that describe a comment's place and suggestion. Pure, so `node --test` imports it.
import { codePointOffsets, findingRanges, spanToRange, worstSeverity } from "./findings.js";

/**
 * `next` (a fresh `draft` answer) with the version last seen as the reviewer means it
 * while the draft stays open. Opening a draft records its version as seen, so a second
 * fetch of the same draft (a sync refreshing the pane) answers with the version just
 * shown; what changed "since you last saw it" should still start from before this visit:
 * the earlier of the two, where null (never opened) yields to a number.
 */
export function keepSeen(previous, next) {
  if (!next || previous?.draft?.id !== next.draft?.id) return next;
  const a = previous.seen_version;
  const b = next.seen_version;
  const seen = Number.isFinite(a) && Number.isFinite(b) ? Math.min(a, b) : Number.isFinite(a) ? a : b;
  return seen === b ? next : { ...next, seen_version: seen };
}

/** Whether the comment is marked in the body: Rust found its words (where made, or moved). */
export function isAnchored(annotation) {
  const state = annotation?.anchor?.state;
  return state === "exact" || state === "moved";
}

/** Each comment's UTF-16 range in `body` (null for whole-draft and detached ones), in order. */
export function annotationRanges(body, annotations) {
  const offsets = codePointOffsets(body);
  return (annotations ?? []).map((a) => (isAnchored(a) ? spanToRange(offsets, a.anchor) : null));
}

/**
 * The comments in the three places the pane lists them: on words still in the body
 * (`marked`), on words the author's edits removed (`detached`: their quote is all that is
 * left) and on the whole draft (`whole`). An accepted suggestion is `marked` while Rust
 * still finds its words (the replacement, if it sits where they were) and otherwise listed
 * with the marked ones, as accepted: its words are gone because the author took it.
 */
export function groupAnnotations(annotations) {
  const marked = [];
  const detached = [];
  const whole = [];
  for (const a of annotations ?? []) {
    if (!a?.target) whole.push(a);
    else if (isAnchored(a) || a.accepted) marked.push(a);
    else detached.push(a);
  }
  return { marked, detached, whole };
}

/** The quoted words of a comment ("" for a whole-draft one). */
export function quoteOf(annotation) {
  return String(annotation?.target?.quote?.exact ?? "");
}

/** The quote shortened for a list: at most `max` characters, an ellipsis if cut. */
export function shortQuote(text, max = 80) {
  const chars = [...String(text ?? "")];
  return chars.length > max ? `${chars.slice(0, max - 1).join("")}…` : chars.join("");
}

/**
 * The suggestion in words, or null without one: `{verb, from, to}` — "Replace" X "with" Y,
 * or "Delete" X for an empty replacement; `accepted` tells the author took it.
 */
export function suggestionWords(annotation) {
  const s = annotation?.suggestion;
  if (s === null || s === undefined) return null;
  const from = quoteOf(annotation);
  return s === ""
    ? { verb: "Delete", from, to: null, accepted: Boolean(annotation.accepted) }
    : { verb: "Replace", from, to: String(s), accepted: Boolean(annotation.accepted) };
}

/** Where the comment sits, for a person: null when it is where it was made. */
export function anchorNote(annotation) {
  switch (annotation?.anchor?.state) {
    case "moved":
      return "The author's edits moved these words; shown where they are now.";
    case "detached":
      return annotation.accepted
        ? "The author accepted this suggestion."
        : "The words this pointed at are gone.";
    default:
      return null;
  }
}

/**
 * `body` cut into pieces at every edge of every finding, anchored comment and the
 * selection. Each piece is `{text, start, end, findings, severity, annotations, selected}`
 * (UTF-16 units; `findings` and `annotations` list the indices covering it). A caret
 * (a collapsed selection, code point `caret`) adds a cut there and the piece after it
 * says `caretBefore`. Joined, the pieces are `body` exactly.
 */
export function bodyPieces(body, { findings = [], annotations = [], selection = null, caret = null } = {}) {
  const text = String(body ?? "");
  const offsets = codePointOffsets(text);
  const fr = findingRanges(text, findings);
  const ar = annotationRanges(text, annotations);
  const sel = selection ? spanToRange(offsets, selection) : null;
  const caretAt = Number.isFinite(caret) ? offsets[Math.max(0, Math.min(offsets.length - 1, caret))] : null;
  const cuts = new Set([0, text.length]);
  for (const r of [...fr, ...ar, sel]) {
    if (r) {
      cuts.add(r.start);
      cuts.add(r.end);
    }
  }
  if (caretAt !== null) cuts.add(caretAt);
  const edges = [...cuts].sort((a, b) => a - b);
  const covering = (ranges, start, end) => {
    const out = [];
    ranges.forEach((r, i) => {
      if (r && r.start <= start && r.end >= end) out.push(i);
    });
    return out;
  };
  const pieces = [];
  for (let i = 0; i + 1 < edges.length; i += 1) {
    const start = edges[i];
    const end = edges[i + 1];
    const f = covering(fr, start, end);
    pieces.push({
      text: text.slice(start, end),
      start,
      end,
      findings: f,
      severity: worstSeverity(f.map((index) => findings[index].severity)),
      annotations: covering(ar, start, end),
      selected: Boolean(sel && sel.start <= start && sel.end >= end),
      caretBefore: caretAt === start,
    });
  }
  // A caret at the very end (or in an empty body) has no piece after it.
  if (caretAt !== null && caretAt === text.length) pieces.push({
    text: "", start: caretAt, end: caretAt, findings: [], severity: null, annotations: [], selected: false, caretBefore: true,
  });
  return pieces;
}

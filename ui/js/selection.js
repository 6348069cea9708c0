// A selection in the draft body, as code-point offsets into its text: what the wire format
// (W3C TextPositionSelector) and Rust count. JS strings count UTF-16 units, so an emoji
// is one code point but two units; every conversion between the two lives here.
// Pure functions (plus DOM walking that only reads), so `node --test` imports it directly.
import { codePointOffsets } from "./findings.js";

/** How many code points `text.slice(0, unit)` holds; a unit inside a surrogate pair counts as before it. */
export function unitToCodePoint(text, unit) {
  const s = String(text ?? "");
  const stop = Math.max(0, Math.min(s.length, Math.trunc(Number(unit) || 0)));
  let units = 0;
  let points = 0;
  for (const ch of s) {
    if (units + ch.length > stop) break;
    units += ch.length;
    points += 1;
  }
  return points;
}

/** The UTF-16 index where code point `point` of `text` starts (clamped to the text). */
export function codePointToUnit(text, point) {
  const offsets = codePointOffsets(text);
  const i = Math.max(0, Math.min(offsets.length - 1, Math.trunc(Number(point) || 0)));
  return offsets[i];
}

/** The text between two code-point offsets. */
export function sliceCodePoints(text, start, end) {
  return [...String(text ?? "")].slice(start, end).join("");
}

function segmenter(granularity) {
  try {
    return new Intl.Segmenter(undefined, { granularity });
  } catch {
    return null;
  }
}

/**
 * The code-point offsets a caret may stop at, one character at a time: grapheme
 * boundaries, so a flag, a family emoji or an accented letter made of two code points is
 * stepped over whole (a selection never splits what a reader sees as one character).
 */
export function caretStops(text) {
  const s = String(text ?? "");
  const seg = segmenter("grapheme");
  const stops = [0];
  if (seg) {
    for (const { index, segment } of seg.segment(s)) stops.push(unitToCodePoint(s, index + segment.length));
  } else {
    for (let i = 1; i <= [...s].length; i += 1) stops.push(i);
  }
  return [...new Set(stops)];
}

/** The code-point offsets where words start and end (for word-wise moves). */
export function wordEdges(text) {
  const s = String(text ?? "");
  const seg = segmenter("word");
  const edges = new Set([0, [...s].length]);
  if (seg) {
    for (const { index, segment, isWordLike } of seg.segment(s)) {
      if (!isWordLike) continue;
      edges.add(unitToCodePoint(s, index));
      edges.add(unitToCodePoint(s, index + segment.length));
    }
  } else {
    for (const m of s.matchAll(/[\p{L}\p{N}\p{M}_'’]+/gu)) {
      edges.add(unitToCodePoint(s, m.index));
      edges.add(unitToCodePoint(s, m.index + m[0].length));
    }
  }
  return [...edges].sort((a, b) => a - b);
}

/**
 * What a key does in selection mode, or null for keys it leaves alone:
 * `{to: "prev"|"next"|"start"|"end", by: "char"|"word", extend}`. Shift extends the
 * selection; Ctrl or Alt moves a word at a time (Ctrl on Linux and Windows, Alt on macOS).
 */
export function selectionMove(event) {
  if (!event || event.metaKey || event.isComposing) return null;
  const extend = Boolean(event.shiftKey);
  const by = event.ctrlKey || event.altKey ? "word" : "char";
  switch (event.key) {
    case "ArrowLeft":
      return { to: "prev", by, extend };
    case "ArrowRight":
      return { to: "next", by, extend };
    case "Home":
    case "ArrowUp":
      return { to: "start", by, extend };
    case "End":
    case "ArrowDown":
      return { to: "end", by, extend };
    default:
      return null;
  }
}

/** The caret at `pos` moved as `move` says, in `text`. */
export function moveCaret(text, pos, move) {
  const length = [...String(text ?? "")].length;
  if (move.to === "start") return 0;
  if (move.to === "end") return length;
  const stops = move.by === "word" ? wordEdges(text) : caretStops(text);
  if (move.to === "next") return stops.find((s) => s > pos) ?? length;
  return stops.findLast((s) => s < pos) ?? 0;
}

/**
 * The selection `{anchor, focus}` (code points; the anchor stays, the focus moves) after
 * `move`. Without Shift a selection collapses: to its edge in the direction of the move
 * for a one-character move, as in every text field.
 */
export function applyMove(text, selection, move) {
  const sel = selection ?? { anchor: 0, focus: 0 };
  if (move.extend) return { anchor: sel.anchor, focus: moveCaret(text, sel.focus, move) };
  if (sel.anchor !== sel.focus && move.by === "char" && (move.to === "prev" || move.to === "next")) {
    const edge = move.to === "prev" ? Math.min(sel.anchor, sel.focus) : Math.max(sel.anchor, sel.focus);
    return { anchor: edge, focus: edge };
  }
  const at = moveCaret(text, sel.focus, move);
  return { anchor: at, focus: at };
}

/** `{start, end}` (start ≤ end) of a selection, or null when it is only a caret. */
export function selectedSpan(selection) {
  if (!selection) return null;
  const start = Math.min(selection.anchor, selection.focus);
  const end = Math.max(selection.anchor, selection.focus);
  return end > start ? { start, end } : null;
}

/**
 * A span without the white space at its edges (a mouse selection often takes the space
 * after a word); null when nothing but white space is left.
 */
export function trimSpan(text, span) {
  if (!span) return null;
  const chars = [...String(text ?? "")];
  let { start, end } = span;
  start = Math.max(0, Math.min(chars.length, start));
  end = Math.max(start, Math.min(chars.length, end));
  while (start < end && /\s/u.test(chars[start])) start += 1;
  while (end > start && /\s/u.test(chars[end - 1])) end -= 1;
  return end > start ? { start, end } : null;
}

function isText(node) {
  return typeof node?.data === "string" && !(node.childNodes?.length > 0);
}

function unitsIn(node) {
  if (isText(node)) return node.data.length;
  let n = 0;
  for (const child of node?.childNodes ?? []) n += unitsIn(child);
  return n;
}

/**
 * How many UTF-16 units of `root`'s text come before the DOM point (`node`, `offset`) —
 * `offset` counts units in a text node and children in an element, as DOM ranges do.
 * Null when the point is not inside `root`.
 */
export function unitsBefore(root, node, offset) {
  let total = 0;
  let found = false;
  const walk = (current) => {
    if (current === node) {
      found = true;
      if (isText(current)) total += Math.min(offset, current.data.length);
      else [...(current.childNodes ?? [])].slice(0, offset).forEach((c) => { total += unitsIn(c); });
      return true;
    }
    if (isText(current)) {
      total += current.data.length;
      return false;
    }
    for (const child of current.childNodes ?? []) if (walk(child)) return true;
    return false;
  };
  walk(root);
  return found ? total : null;
}

/**
 * The body's selection (a DOM Selection or Range: anchor/focus or start/end containers)
 * as code points `{start, end}` of `text`, trimmed of white space at its edges; null when
 * it is empty or not wholly inside `root`.
 */
export function domSelectionSpan(root, text, selection) {
  if (!selection) return null;
  const a = selection.anchorNode !== undefined
    ? [selection.anchorNode, selection.anchorOffset, selection.focusNode, selection.focusOffset]
    : [selection.startContainer, selection.startOffset, selection.endContainer, selection.endOffset];
  const from = unitsBefore(root, a[0], a[1]);
  const to = unitsBefore(root, a[2], a[3]);
  if (from === null || to === null) return null;
  const start = unitToCodePoint(text, Math.min(from, to));
  const end = unitToCodePoint(text, Math.max(from, to));
  return trimSpan(text, { start, end });
}

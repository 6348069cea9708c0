// Search and paging, as pure functions: the window asks Rust for one page of the queue at a
// time (queue_page) and marks the matched words Rust found. Nothing here decides what
// matches — positions come from Rust, in code points.

import { thousands } from "./format.js";

/** How long typing pauses before the search runs. */
export const SEARCH_DEBOUNCE_MS = 120;
/** Rows asked for at once: a few screens, so j/k and scrolling rarely wait. */
export const PAGE_ROWS = 120;
/** A page is fetched again once the selection or the view comes this close to its edge. */
export const PAGE_MARGIN = 20;

/**
 * `text` cut into pieces at the code-point `spans` Rust sent: `[{text, mark}]`, in order,
 * covering the whole text. Overlapping or out-of-range spans are clipped, never trusted.
 * @param {string} text
 * @param {{start: number, end: number}[]} spans
 */
export function markPieces(text, spans = []) {
  const chars = Array.from(text ?? "");
  const marked = new Array(chars.length).fill(false);
  for (const span of spans ?? []) {
    const start = Math.max(0, Math.floor(Number(span?.start) || 0));
    const end = Math.min(chars.length, Math.floor(Number(span?.end) || 0));
    for (let i = start; i < end; i += 1) marked[i] = true;
  }
  const pieces = [];
  for (let i = 0; i < chars.length; i += 1) {
    const last = pieces[pieces.length - 1];
    if (last && last.mark === marked[i]) last.text += chars[i];
    else pieces.push({ text: chars[i], mark: marked[i] });
  }
  return pieces;
}

/** What a row's preview line shows: the first line with its marks, or the words where they matched. */
export function previewLine(item) {
  const m = item?.matches;
  if (m?.body) return { prefix: "", text: m.body.text, spans: m.body.matches };
  if (m?.post && !(m.preview?.length)) return { prefix: "Replying to: ", text: m.post.text, spans: m.post.matches };
  return { prefix: "", text: item?.preview ?? "", spans: m?.preview ?? [] };
}

/**
 * The page to ask for so that row `anchor` (absolute) sits well inside it.
 * @returns {{offset: number, limit: number}}
 */
export function pageAround(anchor, total = Infinity, rows = PAGE_ROWS) {
  const wanted = Math.max(0, Math.floor(Number(anchor) || 0));
  let offset = Math.max(0, wanted - Math.floor(rows / 3));
  if (Number.isFinite(total) && offset + rows > total) offset = Math.max(0, total - rows);
  return { offset, limit: rows };
}

/** True when rows [start, end) are loaded, with `margin` rows to spare where the queue goes on. */
export function covers({ offset = 0, items = [], total = 0 }, start, end, margin = 0) {
  const loadedEnd = offset + items.length;
  const lo = Math.max(0, start - margin);
  const hi = Math.min(total, end + margin);
  return lo >= offset && hi <= loadedEnd;
}

/** The absolute row a move goes to: "next", "prev", "first", "last", from `index` (-1: none). */
export function moveTarget(how, index, total) {
  if (total <= 0) return -1;
  if (how === "first") return 0;
  if (how === "last") return total - 1;
  const delta = how === "next" ? 1 : how === "prev" ? -1 : 0;
  const from = index < 0 ? (delta > 0 ? -1 : total) : index;
  return Math.max(0, Math.min(total - 1, from + delta));
}

/** Menu choices with their counts: `[[value, "Label · 12"], …]`, the chosen one kept even at 0. */
export function countedOptions(choices, counts = {}, chosen = "") {
  return choices.map(([value, label]) => {
    const n = counts?.[value];
    return [value, n === undefined ? (value === chosen ? `${label} · 0` : label) : `${label} · ${thousands(n)}`];
  });
}

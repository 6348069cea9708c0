// The queue's state as plain data, changed only by pure functions that return a new
// state. The view renders it; main.js calls the backend. `node --test` imports this file.

import { thousands } from "./format.js";

/**
 * `findings` is "" (any), "has" (drafts the guard flagged: a warn or block finding),
 * "none" (no such finding) or "pre" (instead of the queue: the pre-approved replies the
 * server approved without review, for a reviewer to look over).
 * @typedef {{network: string, channel: string, urgency: string, findings: string}} Filter
 */

export const EMPTY_FILTER = Object.freeze({ network: "", channel: "", urgency: "", findings: "", decided: "" });

const FINDINGS_VALUES = new Set(["", "has", "none", "pre"]);
/** `decided`: "" (any), "mine" (a decision made here), "open" (none yet). */
const DECIDED_VALUES = new Set(["", "mine", "open"]);

/** True when the filter lists the pre-approved replies instead of the queue. */
export function listsPreApproved(filter) {
  return filter.findings === "pre";
}

/**
 * A fresh state. `optimistic` maps draft id → the local decision shown before the backend
 * confirmed it. `items` are the rows loaded: one page of the queue starting at row `offset`
 * of `total` (the window asks for the rows it shows). `selectedAt` remembers the selection's
 * row number while its page is not loaded. `text` is the search box's; `page` the last
 * answer's counts ({counts, to_review, decided, all_to_review}).
 */
export function createState() {
  return {
    items: [],
    selectedId: null,
    filter: EMPTY_FILTER,
    optimistic: {},
    offset: 0,
    total: 0,
    selectedAt: -1,
    text: "",
    page: null,
  };
}

/**
 * Where a row stands: "pending", "decided-saving" (pressed, not yet on disk: a crash now
 * would lose it, so it is not shown as done), "decided-unsynced" or "decided-synced".
 */
export function rowState(item) {
  if (!item || !item.local) return "pending";
  if (item.local.mutation_id == null) return "decided-saving";
  return item.local.answered ? "decided-synced" : "decided-unsynced";
}

function withOptimistic(items, optimistic) {
  if (Object.keys(optimistic).length === 0) return items;
  return items.map((item) => (optimistic[item.id] ? { ...item, local: optimistic[item.id] } : item));
}

function indexOf(state, id) {
  if (id === null || id === undefined) return -1;
  return state.items.findIndex((item) => item.id === id);
}

export function selectedIndex(state) {
  return indexOf(state, state.selectedId);
}

export function selectedItem(state) {
  const i = selectedIndex(state);
  return i < 0 ? null : state.items[i];
}

/**
 * Replaces the items with a fresh answer from the backend. Decisions still in flight stay
 * marked. The selection stays on the same draft; if that draft is gone, it stays at the
 * same position (clamped), so the reviewer does not jump back to the top.
 */
export function setItems(state, items) {
  const next = withOptimistic(items, state.optimistic);
  let selectedId = null;
  if (next.length > 0) {
    if (next.some((item) => item.id === state.selectedId)) {
      selectedId = state.selectedId;
    } else {
      const old = selectedIndex(state);
      const at = old < 0 ? 0 : Math.min(old, next.length - 1);
      selectedId = next[at].id;
    }
  }
  return { ...state, items: next, selectedId };
}

/** The selection's row number in the whole queue (-1: none). */
export function absoluteIndex(state) {
  const i = selectedIndex(state);
  return i >= 0 ? (state.offset ?? 0) + i : state.selectedId === null ? -1 : state.selectedAt ?? -1;
}

/**
 * Replaces the loaded rows with a page of the queue (queue_page's answer, asked from row
 * `offset`). The selection stays on its draft; if that draft is gone, on the same row number
 * (clamped); if its row is outside this page, it is kept, just not loaded. A `fresh` list
 * (other filters or words) keeps the selected draft only if it is on the page, else selects
 * the page's first row.
 */
export function setPage(state, answer, offset = 0, { fresh = false } = {}) {
  const items = withOptimistic(answer?.items ?? [], state.optimistic);
  const total = Math.max(0, Number(answer?.total) || 0);
  const page = {
    counts: answer?.counts ?? null, to_review: answer?.to_review ?? 0,
    decided: answer?.decided ?? 0, all_to_review: answer?.all_to_review ?? 0,
  };
  const before = absoluteIndex(state);
  const base = { ...state, items, offset, total, page };
  if (total === 0) return { ...base, selectedId: null, selectedAt: -1 };
  const here = items.findIndex((item) => item.id === state.selectedId);
  if (here >= 0) return { ...base, selectedAt: offset + here };
  if (fresh) {
    return items.length ? { ...base, selectedId: items[0].id, selectedAt: offset } : { ...base, selectedId: null, selectedAt: -1 };
  }
  const want = before < 0 ? 0 : Math.min(before, total - 1);
  if (want >= offset && want < offset + items.length) {
    return { ...base, selectedId: items[want - offset].id, selectedAt: want };
  }
  if (state.selectedId === null) return { ...base, selectedId: null, selectedAt: -1 };
  return { ...base, selectedAt: want };
}

/** Selects row `index` of the whole queue, when it is loaded. */
export function selectAt(state, index) {
  const item = state.items[index - (state.offset ?? 0)];
  return item ? { ...state, selectedId: item.id, selectedAt: index } : state;
}

/** The search box's text. */
export function setText(state, text) {
  return { ...state, text: String(text ?? "") };
}

/** Moves the selection by `delta` rows, stopping at the ends. */
export function move(state, delta) {
  if (state.items.length === 0) return state;
  const i = selectedIndex(state);
  const from = i < 0 ? (delta > 0 ? -1 : state.items.length) : i;
  const to = Math.max(0, Math.min(state.items.length - 1, from + delta));
  return { ...state, selectedId: state.items[to].id };
}

export function selectFirst(state) {
  return state.items.length ? { ...state, selectedId: state.items[0].id } : state;
}

export function selectLast(state) {
  return state.items.length ? { ...state, selectedId: state.items[state.items.length - 1].id } : state;
}

export function select(state, id) {
  return indexOf(state, id) < 0 ? state : { ...state, selectedId: id };
}

/** The row to go to after deciding row `i`: the next undecided one below, else the next row, else `i`. */
function nextAfter(items, i) {
  for (let j = i + 1; j < items.length; j += 1) {
    if (rowState(items[j]) === "pending") return j;
  }
  return Math.min(i + 1, items.length - 1);
}

/**
 * Shows a decision as done at once, before the backend has answered, and moves the
 * selection on. Returns the new state and what `rollback` needs to undo it.
 */
export function decideOptimistic(state, id, verdict) {
  const i = indexOf(state, id);
  if (i < 0) return { state, undo: null };
  const previous = state.items[i].local ?? null;
  const local = { mutation_id: null, verdict, answered: false };
  const items = state.items.slice();
  items[i] = { ...items[i], local };
  const optimistic = { ...state.optimistic, [id]: local };
  const selectedId = state.selectedId === id ? items[nextAfter(items, i)].id : state.selectedId;
  return { state: { ...state, items, optimistic, selectedId }, undo: { id, previous, local } };
}

/** The backend recorded the decision: stop overlaying it (the next fetch carries it). */
export function confirmDecision(state, undo, mutationId) {
  if (!undo) return state;
  const optimistic = { ...state.optimistic };
  delete optimistic[undo.id];
  const items = state.items.map((item) =>
    item.id === undo.id && item.local === undo.local
      ? { ...item, local: { ...undo.local, mutation_id: mutationId ?? null } }
      : item);
  return { ...state, items, optimistic };
}

/** The backend refused the decision: put the row back as it was. The selection is left alone. */
export function rollback(state, undo) {
  if (!undo) return state;
  const optimistic = { ...state.optimistic };
  delete optimistic[undo.id];
  const items = state.items.map((item) => {
    if (item.id !== undo.id) return item;
    const restored = { ...item };
    if (undo.previous) restored.local = undo.previous;
    else restored.local = null;
    return restored;
  });
  return { ...state, items, optimistic };
}

/** Rows that still need the reviewer: no decision made here yet, counting ones in flight. */
export function toReviewCount(items, optimistic = {}) {
  let n = 0;
  for (const item of items) if (!item.local && !optimistic[item.id]) n += 1;
  return n;
}

/** The window title. */
export function titleText(count) {
  if (!count) return "Countersign — nothing to review";
  return `Countersign — ${thousands(count)} to review`;
}

export function setFilter(state, key, value) {
  if (!(key in EMPTY_FILTER)) return state;
  if (key === "findings" && !FINDINGS_VALUES.has(value ?? "")) return state;
  if (key === "decided" && !DECIDED_VALUES.has(value ?? "")) return state;
  const filter = { ...state.filter, [key]: value ?? "" };
  // A channel belongs to one network: changing the network clears a channel it lacks.
  if (key === "network" && value) filter.channel = "";
  return { ...state, filter };
}

export function clearFilter(state) {
  return { ...state, filter: EMPTY_FILTER };
}

export function hasFilter(filter) {
  return Boolean(filter.network || filter.channel || filter.urgency || filter.findings || filter.decided);
}

/** The `queue` command's filter argument: only the fields in use. */
export function filterArgs(filter) {
  const args = {};
  if (filter.network) args.network = filter.network;
  if (filter.channel) args.channel = filter.channel;
  if (filter.urgency) args.urgency = filter.urgency;
  if (filter.findings === "has") args.has_findings = true;
  else if (filter.findings === "none") args.has_findings = false;
  else if (filter.findings === "pre") args.pre_approved = true;
  if (filter.decided === "mine") args.decided_by_me = true;
  else if (filter.decided === "open") args.decided_by_me = false;
  return args;
}

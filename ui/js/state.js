// The window's whole state as one plain object, changed only by `transition(state, event)`,
// a pure function that returns a new state. Controllers (controllers/*.js) call the backend,
// turn what happened into events and render from the state; `node --test` imports this file.
// The queue's own part (rows, selection, filter, decisions in flight) is queue-state.js.
import { newerStatus } from "./views/status.js";
import { keepSeen } from "./annotations.js";
import {
  clearFilter, confirmDecision, createState, decideOptimistic, move, rollback, select,
  selectAt, selectFirst, selectLast, setFilter, setItems, setPage, setText,
} from "./queue-state.js";

/**
 * A fresh window state.
 * - `queue`: queue-state.js's state (the rows shown, selection, filter, optimistic decisions).
 * - `allItems`: the unfiltered queue, fetched only while a filter is on (for counts and menus).
 * - `detail`: the draft open in the pane (the `draft` command's answer), or null.
 * - `composer`: `{mode, draftId, target}` while a reason/comment box is open (`target`: the
 *   words, `{start, end}` in code points, a comment on words is about); `composerError` its refusal.
 * - `selection`: `{draftId, anchor, focus}` (code points) while selecting words with the keys (`v`).
 * - `lastUndo`: what `decision-recorded`/`decision-refused` need for the decision pressed last.
 * - `awaitingFirstSync`: signed in just now: the first sync brings what was waiting.
 * - `access`: `{entries, loadError, busy, error}` while the Access view is open.
 */
export function createAppState() {
  return {
    defaults: { serverUrl: "", hint: "" },
    user: null,
    status: null,
    syncing: false,
    queue: createState(),
    allItems: null,
    detail: null,
    composer: null,
    composerError: "",
    selection: null,
    lastUndo: null,
    awaitingFirstSync: false,
    access: null,
    exporting: false,
  };
}

const MOVES = {
  next: (q) => move(q, 1),
  prev: (q) => move(q, -1),
  first: selectFirst,
  last: selectLast,
};

/** The next state after `event` ({type, ...}). Unknown events leave the state as it was. */
export function transition(state, event) {
  switch (event?.type) {
    case "defaults":
      return { ...state, defaults: event.defaults ?? state.defaults };
    case "signed-in":
      return { ...state, user: event.user, awaitingFirstSync: event.justNow ? true : state.awaitingFirstSync };
    case "signed-out":
      return { ...state, user: null, queue: createState(), allItems: null, detail: null, composer: null, selection: null, access: null };
    case "status-fetched":
      // Only the newer of two statuses counts: an event may have brought one meanwhile.
      return { ...state, status: newerStatus(state.status, event.status) };
    case "status-pushed": {
      const status = newerStatus(state.status, event.status);
      // A sync's crisis event comes before its status: once a sync has finished, later
      // crisis drafts really did just arrive.
      return { ...state, status, awaitingFirstSync: status?.last_synced_at ? false : state.awaitingFirstSync };
    }
    case "sync-started":
      return { ...state, syncing: true };
    case "sync-ended":
      return { ...state, syncing: false };
    case "queue-loaded":
      return { ...state, queue: setItems(state.queue, event.items ?? []), allItems: event.all ?? null };
    case "queue-page-loaded":
      return { ...state, queue: setPage(state.queue, event.answer, event.offset ?? 0, { fresh: event.fresh }), allItems: null };
    case "search-set":
      return { ...state, queue: setText(state.queue, event.text) };
    case "selected-at":
      return { ...state, queue: selectAt(state.queue, event.index) };
    case "filter-set":
      return { ...state, queue: setFilter(state.queue, event.key, event.value) };
    case "filter-cleared":
      return { ...state, queue: clearFilter(state.queue) };
    case "crisis-shown":
      return { ...state, queue: setFilter(clearFilter(state.queue), "urgency", "crisis") };
    case "selected":
      return { ...state, queue: select(state.queue, event.id) };
    case "moved":
      return MOVES[event.how] ? { ...state, queue: MOVES[event.how](state.queue) } : state;
    case "nothing-selected":
      return { ...state, detail: null, composer: null, selection: null };
    case "detail-loaded": {
      const id = event.detail?.draft?.id;
      const keepComposer = state.composer?.draftId === id;
      return {
        ...state,
        detail: keepSeen(state.detail, event.detail),
        selection: state.selection?.draftId === id ? state.selection : null,
        composer: keepComposer ? state.composer : null,
        composerError: keepComposer ? state.composerError : "",
      };
    }
    case "detail-refreshed":
      // A new version moves the words: a selection made on the old text ends.
      return {
        ...state,
        detail: keepSeen(state.detail, event.detail),
        selection: event.detail?.draft?.version === state.detail?.draft?.version ? state.selection : null,
      };
    case "detail-failed":
      return { ...state, detail: null };
    case "composer-opened":
      return {
        ...state,
        // `target` only for a comment on words.
        composer: { mode: event.mode, draftId: event.draftId, ...(event.target ? { target: event.target } : {}) },
        composerError: event.error ?? "", selection: null,
      };
    case "selection-started":
      return { ...state, selection: { draftId: event.draftId, anchor: event.anchor, focus: event.focus } };
    case "selection-moved":
      return state.selection ? { ...state, selection: { ...state.selection, anchor: event.anchor, focus: event.focus } } : state;
    case "selection-ended":
      return { ...state, selection: null };
    case "composer-closed":
      return { ...state, composer: null, composerError: "" };
    case "composer-refused":
      return { ...state, composerError: event.error ?? "" };
    case "decision-pressed": {
      // Optimistic: the row shows as done and the selection moves on before the backend answers.
      const { state: queue, undo } = decideOptimistic(state.queue, event.draftId, event.verdict);
      const composer = state.composer?.draftId === event.draftId ? null : state.composer;
      return { ...state, queue, composer, composerError: "", lastUndo: undo };
    }
    case "decision-recorded":
      return { ...state, queue: confirmDecision(state.queue, event.undo, event.mutationId) };
    case "decision-refused":
      return { ...state, queue: rollback(state.queue, event.undo) };
    case "access-opened":
      return { ...state, access: { entries: null, loadError: "", busy: false, error: "" } };
    case "access-changed":
      return state.access ? { ...state, access: { ...state.access, ...event.patch } } : state;
    case "export-started":
      return { ...state, exporting: true };
    case "export-ended":
      return { ...state, exporting: false };
    default:
      return state;
  }
}

/** The user's name as the window shows it. */
export function userName(state) {
  return state.user?.display_name ?? state.user?.username ?? "";
}

/** The user's roles: the server's, as of the last sync, else the sign-in answer's. */
export function roles(state) {
  return state.status?.user?.roles ?? state.user?.roles ?? [];
}

/**
 * The draft a key acts on: the selected row. Not the one in the pane — after a decision the
 * selection moves on at once while the pane loads the next draft a moment later, and a
 * second key press in that moment must not act on the draft just decided. A draft opened
 * from outside the queue (a conflict's "decide again") is the exception.
 */
export function currentDraftId(state) {
  const { detail, queue } = state;
  const outsideQueue = detail && !queue.items.some((i) => i.id === detail.draft.id);
  return outsideQueue ? detail.draft.id : queue.selectedId ?? detail?.draft.id ?? null;
}

/**
 * What the rules (Rust) say about approving `draftId` now: the loaded draft's
 * `schedule_warning`, else its queue row's `late_by_secs` (the draft is not loaded yet).
 */
export function scheduleWarningFor(state, draftId) {
  if (state.detail?.draft.id === draftId) return state.detail.schedule_warning ?? null;
  const item = state.queue.items.find((i) => i.id === draftId);
  return Number(item?.late_by_secs) > 0 ? { kind: "passed", by_secs: item.late_by_secs } : null;
}

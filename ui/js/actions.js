// THE table of what the window can do. A key (keys.js maps keydown events to these names),
// a `data-action="name"` button and the `?` help all come from here: add an entry and the
// key works, a button with that data-action works, and the help lists it.
//
//   name: {
//     keys:   event.key values ("j", "ArrowDown", "G" for Shift+g, "Shift+Enter"); none: button only
//     scope:  "queue" (default: not while typing, not under an overlay),
//             "anywhere" (also while typing in a field, and under an overlay: Escape),
//             "composer" (only in a comment/reason box)
//     overOverlay: true when the key also acts while an overlay is open (run decides what)
//     group, label: where and how the help lists it (keyed actions need both)
//     run(app, {el, event}): app holds the controllers (see main.js); el is the clicked button
//   }
// Keep `run` a one-liner into a controller: the behaviour lives in controllers/*.js.

export const ACTIONS = {
  next: { keys: ["j", "ArrowDown"], group: "Move", label: "Next draft", run: (app) => app.queue.moveBy("next") },
  prev: { keys: ["k", "ArrowUp"], group: "Move", label: "Previous draft", run: (app) => app.queue.moveBy("prev") },
  search: {
    keys: ["/"], group: "Move", label: "Search the drafts (Esc clears the search and goes back to the queue)",
    run: (app) => app.queue.focusSearch(),
  },
  first: { keys: ["g", "Home"], group: "Move", label: "First draft", run: (app) => app.queue.moveBy("first") },
  last: { keys: ["G", "End"], group: "Move", label: "Last draft", run: (app) => app.queue.moveBy("last") },
  approve: {
    keys: ["a"], group: "Decide", label: "Approve (over a blocking finding: asks why; past its time: asks first)",
    run: (app) => app.draft.decideSelected("approve"),
  },
  reject: { keys: ["r"], group: "Decide", label: "Reject (optional reason)", run: (app) => app.draft.openComposer("reject") },
  request_changes: {
    keys: ["c"], group: "Decide", label: "Request changes (comment required)",
    run: (app) => app.draft.openComposer("request_changes"),
  },
  comment: {
    keys: ["m"], group: "Comments and versions", label: "Comment: on the selected words if any (with a suggested replacement), else on the whole draft",
    run: (app) => app.annotations.commentOnSelection(),
  },
  select: {
    keys: ["v"], group: "Comments and versions",
    label: "Select words in the draft: ← → move, Shift+arrows extend, Ctrl+arrows by word, ↑ ↓ by line, Esc stops",
    run: (app) => app.annotations.startSelecting(),
  },
  versions: {
    keys: ["d"], group: "Comments and versions", label: "What changed since you last saw the draft (and between any two versions)",
    run: (app) => app.annotations.openVersions(),
  },
  send: {
    keys: ["Enter"], scope: "composer", group: "Decide",
    label: "Send a comment or an override reason (Shift+Enter: new line)",
    run: (app) => app.draft.submitComposer(),
  },
  "cancel-composer": {
    keys: ["Escape"], scope: "composer", group: "Decide", label: "Cancel a comment or an override",
    run: (app) => app.draft.cancelComposer(),
  },
  check: { keys: ["x"], group: "Bulk", label: "Select or unselect the draft for a bulk approval", run: (app) => app.bulk.toggle() },
  "check-down": { keys: ["J"], group: "Bulk", label: "Extend the selection down", run: (app) => app.bulk.extend(1) },
  "check-up": { keys: ["K"], group: "Bulk", label: "Extend the selection up", run: (app) => app.bulk.extend(-1) },
  "bulk-approve": {
    keys: ["A"], group: "Bulk", label: "Approve the selected drafts (asks first, says which are left out and why)",
    run: (app) => app.bulk.openConfirm(),
  },
  undo: {
    keys: ["u"], group: "Decide", label: "Undo the last decision, while it has not been sent",
    run: (app, { el }) => (el ? app.bulk.undoFrom(el) : app.bulk.undoLast()),
  },
  sync: { keys: ["s"], group: "Window", label: "Sync now", run: (app) => app.status.syncNow() },
  filters: { keys: ["f"], group: "Window", label: "Focus the filters", run: (app) => app.queue.focusFilters() },
  help: { keys: ["?"], overOverlay: true, group: "Window", label: "Show this help", run: (app) => app.overlays.toggleHelp() },
  close: {
    keys: ["Escape"], scope: "anywhere", overOverlay: true, group: "Window", label: "Close overlays, leave a field",
    run: (app) => app.overlays.closeOrLeave(),
  },

  // Buttons only.
  "close-overlay": { run: (app) => app.overlays.close() },
  "clear-filters": { run: (app) => app.queue.clearFilters() },
  "confirm-bulk": { run: (app) => app.bulk.confirm() },
  "confirm-late": { run: (app, { el }) => app.draft.approveLate(el?.dataset.draftId) },
  conflicts: { run: (app) => app.overlays.openConflicts() },
  "decide-again": { run: (app, { el }) => app.overlays.decideAgain(el?.dataset.draftId) },
  "dismiss-conflict": { run: (app, { el }) => app.overlays.dismissConflict(el?.dataset.mutationId) },
  "sign-out": { run: (app) => app.overlays.openSignOut() },
  "confirm-sign-out": { run: (app) => app.session.confirmSignOut() },
  "export-decisions": { run: (app) => app.overlays.exportDecisions() },
  access: { run: (app) => app.access.open() },
  "crisis-off": { run: (app) => app.access.changeCrisis(false, null) },
  "crisis-show": { run: (app) => app.crisis.showCrisisDrafts() },
  "crisis-dismiss": { run: (app) => app.crisis.dismiss() },
};

const KEY_LABELS = { ArrowDown: "↓", ArrowUp: "↑", ArrowLeft: "←", ArrowRight: "→", Escape: "Esc", " ": "Space" };

/** How the help writes a key: "↓", "Esc", and "Shift+J" for "J" (a capital is Shift + the letter). */
export function keyLabel(key) {
  if (KEY_LABELS[key]) return KEY_LABELS[key];
  return /^[A-Z]$/.test(key) ? `Shift+${key}` : key;
}

/** The help's content: groups in table order, each with its keyed actions. */
export function helpSections(actions = ACTIONS) {
  const groups = new Map();
  for (const [name, a] of Object.entries(actions)) {
    if (!a.keys?.length) continue;
    const group = a.group ?? "Other";
    if (!groups.has(group)) groups.set(group, []);
    groups.get(group).push({ name, keys: a.keys.map(keyLabel), label: a.label ?? name });
  }
  return [...groups].map(([title, entries]) => ({ title, entries }));
}

/**
 * Runs action `name`. `source` is "key" or "click": a key under an open overlay acts only
 * when the action says it may (`overOverlay`); a click always acts (the overlay's buttons).
 * Returns false when nothing ran (unknown name, or a key held back by an overlay).
 */
export function perform(app, name, { source = "click", el = null, event = null } = {}) {
  const action = Object.hasOwn(ACTIONS, name) ? ACTIONS[name] : null;
  if (!action) return false;
  if (source === "key" && app.overlays.isOpen() && !action.overOverlay) return false;
  action.run(app, { el, event });
  return true;
}

// Bulk selection and the undo list: pure functions over plain data, no DOM, no IPC.
//
// The *checked* set is the drafts picked for a bulk approval (`x`, Shift+J/K); it is not
// the focused row. Which of them may be approved in bulk is Rust's rule (`bulk_check`):
// nothing here decides eligibility.
//
// The undo list holds the decisions made in this window, newest last, each with the
// outbox mutation id Rust returned. An undo renumbers the outbox rows after the undone one
// (every id above it goes down by one, so the outbox stays gap-free); `afterUndo` applies
// the same shift to the list, so the ids it holds stay the outbox's.

/** How long a decision's toast offers "Undo", in milliseconds: as long as the background sync
 * holds a decision back (`UNDO_WINDOW` in crates/app/src/undo.rs; a Rust test checks they agree). */
export const UNDO_OFFER_MS = 10_000;

/** A new, empty checked set. */
export const noneChecked = () => new Set();

/** `checked` with `id` added, or removed when it was there. */
export function toggleChecked(checked, id) {
  const next = new Set(checked);
  if (id === null || id === undefined) return next;
  if (next.has(id)) next.delete(id);
  else next.add(id);
  return next;
}

/**
 * Shift+J (`step` 1) or Shift+K (`step` -1): checks the focused row, moves the focus one
 * row and checks that row too. `ids` is the queue order; returns `{checked, focus}`.
 */
export function extendChecked(checked, ids, focus, step) {
  const next = new Set(checked);
  const at = ids.indexOf(focus);
  if (at < 0) return { checked: next, focus };
  next.add(ids[at]);
  const to = Math.min(ids.length - 1, Math.max(0, at + step));
  next.add(ids[to]);
  return { checked: next, focus: ids[to] };
}

/** `checked` without ids no longer in the queue (`ids`). */
export function keepListed(checked, ids) {
  const listed = new Set(ids);
  return new Set([...checked].filter((id) => listed.has(id)));
}

/** The checked ids in queue order (what `bulk_check` and `decide_many` are sent). */
export function checkedInOrder(checked, ids) {
  return ids.filter((id) => checked.has(id));
}

/** The words the confirmation shows for a `bulk_check` answer. */
export function confirmWords(check) {
  const n = check?.eligible?.length ?? 0;
  const out = check?.left_out?.length ?? 0;
  const title = n === 0
    ? "Nothing to approve in bulk"
    : `Approve ${n} ${n === 1 ? "draft" : "drafts"}?`;
  const summary = out === 0
    ? "Every selected draft will be approved, each as its own decision."
    : `${out} selected ${out === 1 ? "draft is" : "drafts are"} left out:`;
  return { title, summary, canConfirm: n > 0 };
}

/**
 * The undo list with a new decision at its end. `key` names it for good (a toast holds the
 * key, not the mutation id, which an earlier undo may lower).
 */
export function remember(list, { key, mutationId, draftId, label = "", at = 0 }) {
  return [...list, { key, mutationId, draftId, label, at }];
}

/** The current mutation ids of the decisions named by `keys` that the list still holds. */
export function idsOf(list, keys) {
  const wanted = new Set(keys);
  return list.filter((d) => wanted.has(d.key)).map((d) => d.mutationId);
}

/** The undo list after Rust undid `undone` (`{mutation_id}`): it goes, later ids shift down. */
export function afterUndo(list, undone) {
  const gone = undone.mutation_id;
  return list
    .filter((d) => d.mutationId !== gone)
    .map((d) => (d.mutationId > gone ? { ...d, mutationId: d.mutationId - 1 } : d));
}

/** The undo list without `mutationId` (it was refused as too late: it stays decided). */
export function forget(list, mutationId) {
  return list.filter((d) => d.mutationId !== mutationId);
}

/** The decision `u` takes back: the newest one, or null. */
export const lastDecision = (list) => (list.length ? list[list.length - 1] : null);

/** True while a toast made at `at` still offers Undo at `now`. */
export const stillOffered = (at, now) => now - at < UNDO_OFFER_MS;

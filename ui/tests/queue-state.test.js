import { test } from "node:test";
import assert from "node:assert/strict";
import {
  clearFilter, confirmDecision, createState, decideOptimistic, filterArgs, listsPreApproved,
  hasFilter, move, rollback, rowState, select, selectFirst, selectLast, selectedIndex,
  selectedItem, setFilter, setItems, titleText, toReviewCount,
} from "../js/queue-state.js";

const item = (id, extra = {}) => ({
  id, version: 1, network: "x", channel: "@acme", author: "A", urgency: "normal",
  scheduled_at: null, created_at: "2024-05-01T00:00:00Z", preview: id, next_step: "review",
  local: null, ...extra,
});
const loaded = (ids) => setItems(createState(), ids.map((id) => item(id)));

test("loading selects the first row; an empty queue selects nothing", () => {
  assert.equal(loaded(["a", "b"]).selectedId, "a");
  assert.equal(loaded([]).selectedId, null);
  assert.equal(selectedItem(loaded([])), null);
});

test("moving stops at both ends of the list", () => {
  const cases = [
    [["a", "b", "c"], "a", 1, "b"],
    [["a", "b", "c"], "c", 1, "c"],
    [["a", "b", "c"], "a", -1, "a"],
    [["a", "b", "c"], "b", -1, "a"],
    [["a", "b", "c"], "a", 10, "c"],
    [["a"], "a", 1, "a"],
  ];
  for (const [ids, from, delta, want] of cases) {
    const s = move(select(loaded(ids), from), delta);
    assert.equal(s.selectedId, want, `${from} ${delta > 0 ? "+" : ""}${delta}`);
  }
  assert.deepEqual(move(createState(), 1), createState(), "moving in an empty queue changes nothing");
  assert.equal(selectLast(loaded(["a", "b", "c"])).selectedId, "c");
  assert.equal(selectFirst(select(loaded(["a", "b", "c"]), "c")).selectedId, "a");
  assert.equal(select(loaded(["a"]), "zz").selectedId, "a", "selecting an unknown id is ignored");
});

test("a refetch keeps the selection on the same draft, or at the same place when it is gone", () => {
  let s = select(loaded(["a", "b", "c", "d"]), "c");
  s = setItems(s, [item("x"), item("a"), item("c")]);
  assert.equal(s.selectedId, "c", "same draft, new position");
  s = setItems(s, [item("x"), item("a"), item("d")]);
  assert.equal(s.selectedId, "d", "gone: the row now at its position");
  s = select(s, "d");
  s = setItems(s, [item("x")]);
  assert.equal(s.selectedId, "x", "gone from the end: clamped to the last row");
});

test("row state follows the local decision", () => {
  assert.equal(rowState(item("a")), "pending");
  assert.equal(rowState(item("a", { local: { mutation_id: 1, verdict: "approve", answered: false } })), "decided-unsynced");
  assert.equal(rowState(item("a", { local: { mutation_id: 1, verdict: "reject", answered: true } })), "decided-synced");
});

test("an optimistic decision marks the row at once and moves to the next undecided row", () => {
  let s = loaded(["a", "b", "c"]);
  s = setItems(s, [item("a"), item("b", { local: { mutation_id: 1, verdict: "approve", answered: true } }), item("c")]);
  const { state, undo } = decideOptimistic(s, "a", "approve");
  assert.equal(rowState(state.items[0]), "decided-saving", "not shown as done before it is on disk");
  assert.equal(rowState(confirmDecision(state, undo, 7).items[0]), "decided-unsynced", "on disk: done, not yet synced");
  assert.equal(state.items[0].local.verdict, "approve");
  assert.equal(state.selectedId, "c", "skips the row already decided");
  assert.equal(toReviewCount(state.items, state.optimistic), 1);
  assert.equal(s.items[0].local, null, "the old state is not mutated");
  assert.deepEqual(undo.previous, null);
});

test("deciding the last row keeps it selected; deciding another row leaves the selection", () => {
  const s = select(loaded(["a", "b"]), "b");
  assert.equal(decideOptimistic(s, "b", "reject").state.selectedId, "b");
  assert.equal(decideOptimistic(s, "a", "reject").state.selectedId, "b");
  assert.equal(decideOptimistic(s, "nope", "reject").undo, null, "an unknown draft is a no-op");
});

test("rollback restores the row exactly as it was", () => {
  const before = { mutation_id: 4, verdict: "request_changes", answered: true };
  const s = setItems(createState(), [item("a", { local: before }), item("b")]);
  const { state, undo } = decideOptimistic(s, "a", "approve");
  const back = rollback(state, undo);
  assert.deepEqual(back.items[0].local, before, "the earlier decision is back");
  assert.equal(back.selectedId, "b", "the selection is left where the reviewer now is");
  assert.deepEqual(back.optimistic, {});
  const { state: s2, undo: u2 } = decideOptimistic(loaded(["a", "b"]), "a", "reject");
  assert.equal(rowState(rollback(s2, u2).items[0]), "pending");
});

test("a refetch while the decision is in flight keeps the row marked until confirmed", () => {
  const { state, undo } = decideOptimistic(loaded(["a", "b"]), "a", "approve");
  const refetched = setItems(state, [item("a"), item("b")]);
  assert.equal(rowState(refetched.items[0]), "decided-saving", "the backend has not recorded it yet");
  const confirmed = confirmDecision(refetched, undo, 42);
  assert.deepEqual(confirmed.optimistic, {});
  assert.equal(confirmed.items[0].local.mutation_id, 42);
  const later = setItems(confirmed, [item("a", { local: { mutation_id: 42, verdict: "approve", answered: true } }), item("b")]);
  assert.equal(rowState(later.items[0]), "decided-synced");
});

test("title text counts what is left to review", () => {
  assert.equal(titleText(12), "Countersign — 12 to review");
  assert.equal(titleText(10000), "Countersign — 10,000 to review");
  assert.equal(titleText(0), "Countersign — nothing to review");
  const items = [item("a"), item("b", { local: { mutation_id: 1, verdict: "approve", answered: false } })];
  assert.equal(toReviewCount(items), 1);
  assert.equal(toReviewCount(items, { a: { verdict: "reject" } }), 0);
});

test("filters: only fields in use go to the backend; a new network clears the channel", () => {
  let s = createState();
  assert.equal(hasFilter(s.filter), false);
  assert.deepEqual(filterArgs(s.filter), {});
  s = setFilter(s, "channel", "@acme");
  s = setFilter(s, "urgency", "crisis");
  assert.deepEqual(filterArgs(s.filter), { channel: "@acme", urgency: "crisis" });
  s = setFilter(s, "network", "bluesky");
  assert.deepEqual(filterArgs(s.filter), { network: "bluesky", urgency: "crisis" });
  assert.equal(setFilter(s, "bogus", "x"), s, "unknown filter keys are ignored");
  assert.equal(hasFilter(clearFilter(s).filter), false);
});

test("the findings filter: has findings, no findings, any; through the same filter state", () => {
  let s = createState();
  assert.equal(s.filter.findings, "", "no findings filter at first");
  s = setFilter(s, "findings", "has");
  assert.equal(hasFilter(s.filter), true, "a findings filter is a filter (Clear shows, the empty text says so)");
  assert.deepEqual(filterArgs(s.filter), { has_findings: true });
  s = setFilter(s, "network", "x");
  assert.deepEqual(filterArgs(s.filter), { network: "x", has_findings: true }, "combines with the others");
  s = setFilter(s, "findings", "none");
  assert.deepEqual(filterArgs(s.filter), { network: "x", has_findings: false }, "false is sent, not dropped");
  s = setFilter(s, "findings", "");
  assert.deepEqual(filterArgs(s.filter), { network: "x" }, "any: the backend is not asked to filter");
  s = setFilter(s, "findings", "pre");
  assert.deepEqual(filterArgs(s.filter), { network: "x", pre_approved: true }, "the pre-approved replies instead of the queue");
  assert.equal(listsPreApproved(s.filter), true);
  assert.equal(listsPreApproved(setFilter(s, "findings", "has").filter), false);
  assert.equal(setFilter(s, "findings", "maybe"), s, "an unknown value is ignored");
  assert.equal(clearFilter(setFilter(s, "findings", "has")).filter.findings, "", "Clear clears it");
});

test("selection survives 10,000 rows quickly", () => {
  const ids = Array.from({ length: 10000 }, (_, i) => `d${i}`);
  let s = selectLast(loaded(ids));
  assert.equal(selectedIndex(s), 9999);
  s = move(s, 1);
  assert.equal(selectedIndex(s), 9999);
});

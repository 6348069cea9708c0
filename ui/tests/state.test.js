import { test } from "node:test";
import assert from "node:assert/strict";
import { createAppState, currentDraftId, roles, scheduleWarningFor, transition, userName } from "../js/state.js";

const item = (id, extra = {}) => ({ id, version: 1, network: "x", channel: "@acme", preview: id, local: null, ...extra });
const detail = (id, extra = {}) => ({ draft: { id, version: 1, status: "pending", history: [] }, findings: [], ...extra });
const run = (state, ...events) => events.reduce(transition, state);
const loaded = (ids) => run(createAppState(), { type: "signed-in", user: { username: "ana" } },
  { type: "queue-loaded", items: ids.map((id) => item(id)), all: null });

test("transitions never change the state they are given", () => {
  const s = loaded(["a", "b"]);
  const frozen = JSON.stringify(s);
  for (const event of [
    { type: "moved", how: "next" }, { type: "selected", id: "b" }, { type: "decision-pressed", draftId: "a", verdict: "approve" },
    { type: "composer-opened", mode: "reject", draftId: "a" }, { type: "filter-set", key: "network", value: "x" },
    { type: "signed-out" }, { type: "sync-started" }, { type: "access-opened" },
  ]) {
    const next = transition(s, event);
    assert.notEqual(next, s, event.type);
    assert.equal(JSON.stringify(s), frozen, `${event.type} changed its input`);
  }
  assert.equal(transition(s, { type: "no-such-event" }), s, "unknown events change nothing");
  assert.equal(transition(s, null), s);
});

test("moving and selecting go through the queue's state", () => {
  let s = loaded(["a", "b", "c"]);
  assert.equal(s.queue.selectedId, "a");
  s = run(s, { type: "moved", how: "next" });
  assert.equal(s.queue.selectedId, "b");
  s = run(s, { type: "moved", how: "last" });
  assert.equal(s.queue.selectedId, "c");
  s = run(s, { type: "moved", how: "first" }, { type: "moved", how: "prev" });
  assert.equal(s.queue.selectedId, "a", "stops at the top");
  assert.equal(transition(s, { type: "moved", how: "sideways" }), s, "an unknown move is ignored");
  assert.equal(run(s, { type: "selected", id: "c" }).queue.selectedId, "c");
});

test("signing out forgets the queue, the draft and the composer but keeps the defaults and status", () => {
  let s = run(loaded(["a"]), { type: "defaults", defaults: { serverUrl: "https://r.example", hint: "h" } },
    { type: "status-fetched", status: { seq: 3, online: true } }, { type: "detail-loaded", detail: detail("a") },
    { type: "composer-opened", mode: "comment", draftId: "a" });
  s = transition(s, { type: "signed-out" });
  assert.equal(s.user, null);
  assert.deepEqual(s.queue.items, []);
  assert.equal(s.detail, null);
  assert.equal(s.composer, null);
  assert.equal(s.defaults.serverUrl, "https://r.example");
  assert.equal(s.status.seq, 3);
});

test("an older status never replaces a newer one; a finished sync ends the first-sync wait", () => {
  let s = run(createAppState(), { type: "signed-in", user: { username: "ana" }, justNow: true });
  assert.equal(s.awaitingFirstSync, true);
  s = run(s, { type: "status-fetched", status: { seq: 5, last_synced_at: "2026-01-01T00:00:00Z" } });
  assert.equal(s.awaitingFirstSync, true, "a fetched status does not end the wait (events order crisis before status)");
  s = run(s, { type: "status-pushed", status: { seq: 4 } });
  assert.equal(s.status.seq, 5, "older status dropped");
  assert.equal(s.awaitingFirstSync, false, "any status event after a finished sync ends the wait");
  const fresh = run(createAppState(), { type: "signed-in", user: {}, justNow: true }, { type: "status-pushed", status: { seq: 1 } });
  assert.equal(fresh.awaitingFirstSync, true, "not synced yet: still waiting");
  assert.equal(run(createAppState(), { type: "signed-in", user: {} }).awaitingFirstSync, false, "a session found at start does not wait");
});

test("a loaded draft keeps the composer only when it is open on that draft", () => {
  const open = run(loaded(["a", "b"]), { type: "composer-opened", mode: "override", draftId: "a", error: "say why" });
  const same = transition(open, { type: "detail-loaded", detail: detail("a") });
  assert.deepEqual(same.composer, { mode: "override", draftId: "a" });
  assert.equal(same.composerError, "say why");
  const other = transition(open, { type: "detail-loaded", detail: detail("b") });
  assert.equal(other.composer, null);
  assert.equal(other.composerError, "");
  assert.equal(transition(same, { type: "composer-closed" }).composer, null);
  assert.equal(transition(same, { type: "composer-refused", error: "no" }).composerError, "no");
});

test("a decision shows at once, moves on, and is confirmed or rolled back", () => {
  let s = run(loaded(["a", "b"]), { type: "composer-opened", mode: "reject", draftId: "a" });
  s = transition(s, { type: "decision-pressed", draftId: "a", verdict: "reject" });
  assert.equal(s.queue.items[0].local.verdict, "reject");
  assert.equal(s.queue.selectedId, "b");
  assert.equal(s.composer, null, "the composer on the decided draft closes");
  const undo = s.lastUndo;
  assert.equal(undo.id, "a");
  const recorded = transition(s, { type: "decision-recorded", undo, mutationId: 7 });
  assert.equal(recorded.queue.items[0].local.mutation_id, 7);
  const refused = transition(s, { type: "decision-refused", undo });
  assert.equal(refused.queue.items[0].local, null);
  assert.equal(refused.queue.selectedId, "b", "the selection is left alone");
});

test("filters: set, cleared, and the crisis banner's filter", () => {
  let s = run(loaded(["a"]), { type: "filter-set", key: "network", value: "x" }, { type: "filter-set", key: "findings", value: "has" });
  assert.equal(s.queue.filter.network, "x");
  s = transition(s, { type: "crisis-shown" });
  assert.deepEqual({ ...s.queue.filter }, { network: "", channel: "", urgency: "crisis", findings: "", decided: "" });
  s = transition(s, { type: "filter-cleared" });
  assert.equal(s.queue.filter.urgency, "");
});

test("the Access view's state exists only while it is open", () => {
  const s = loaded(["a"]);
  assert.equal(transition(s, { type: "access-changed", patch: { busy: true } }), s, "nothing to change while closed");
  const open = run(s, { type: "access-opened" }, { type: "access-changed", patch: { busy: true } });
  assert.deepEqual(open.access, { entries: null, loadError: "", busy: true, error: "" });
});

test("the draft a key acts on is the selected row, unless the pane shows a draft outside the queue", () => {
  let s = run(loaded(["a", "b"]), { type: "detail-loaded", detail: detail("a") }, { type: "moved", how: "next" });
  assert.equal(currentDraftId(s), "b", "the selection moved on before the pane loaded");
  s = transition(s, { type: "detail-loaded", detail: detail("zz") });
  assert.equal(currentDraftId(s), "zz", "a conflict's draft opened from outside the queue");
  assert.equal(currentDraftId(createAppState()), null);
});

test("schedule warnings come from the loaded draft, else the row's lateness", () => {
  let s = run(createAppState(), { type: "queue-loaded", items: [item("a", { late_by_secs: 90 }), item("b")] });
  assert.deepEqual(scheduleWarningFor(s, "a"), { kind: "passed", by_secs: 90 });
  assert.equal(scheduleWarningFor(s, "b"), null);
  s = transition(s, { type: "detail-loaded", detail: detail("a", { schedule_warning: null }) });
  assert.equal(scheduleWarningFor(s, "a"), null, "the loaded draft's answer wins");
});

test("name and roles: the server's as of the last sync, else the sign-in answer's", () => {
  let s = run(createAppState(), { type: "signed-in", user: { username: "ana", roles: ["reviewer"] } });
  assert.equal(userName(s), "ana");
  assert.deepEqual(roles(s), ["reviewer"]);
  s = run(s, { type: "status-fetched", status: { seq: 1, user: { roles: ["admin"] } } });
  assert.deepEqual(roles(s), ["admin"]);
  assert.equal(userName(run(s, { type: "signed-in", user: { username: "ana", display_name: "Ana P" } })), "Ana P");
});

// The window state's part in comments on the words: the keyboard selection belongs to one
// draft and one version of it, the composer remembers the words it is about, and the
// version last seen survives the pane's refreshes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createAppState, transition } from "../js/state.js";

const detail = (id, version, seen) => ({ draft: { id, version, body: "x" }, seen_version: seen });

test("a selection lives on its draft and version; opening the composer takes it over", () => {
  let s = transition(createAppState(), { type: "detail-loaded", detail: detail("a", 1, null) });
  s = transition(s, { type: "selection-started", draftId: "a", anchor: 0, focus: 0 });
  s = transition(s, { type: "selection-moved", anchor: 0, focus: 3 });
  assert.deepEqual(s.selection, { draftId: "a", anchor: 0, focus: 3 });
  assert.deepEqual(transition(s, { type: "detail-refreshed", detail: detail("a", 1, 1) }).selection, s.selection);
  assert.equal(transition(s, { type: "detail-refreshed", detail: detail("a", 2, 1) }).selection, null, "new text, new words");
  assert.equal(transition(s, { type: "detail-loaded", detail: detail("b", 1, null) }).selection, null);
  assert.equal(transition(s, { type: "nothing-selected" }).selection, null);
  assert.equal(transition(s, { type: "selection-ended" }).selection, null);
  const c = transition(s, { type: "composer-opened", mode: "annotate", draftId: "a", target: { start: 0, end: 3 } });
  assert.deepEqual(c.composer, { mode: "annotate", draftId: "a", target: { start: 0, end: 3 } });
  assert.equal(c.selection, null);
  assert.equal(transition(createAppState(), { type: "selection-moved", anchor: 1, focus: 2 }).selection, null, "no selection to move");
});

test("refreshing the open draft keeps the version seen before this visit", () => {
  let s = transition(createAppState(), { type: "detail-loaded", detail: detail("a", 1, null) });
  s = transition(s, { type: "detail-refreshed", detail: detail("a", 2, 1) });
  assert.equal(s.detail.seen_version, 1);
  s = transition(s, { type: "detail-refreshed", detail: detail("a", 2, 2) });
  assert.equal(s.detail.seen_version, 1, "the refresh recorded v2 as seen; the visit started at v1");
  s = transition(s, { type: "detail-loaded", detail: detail("b", 4, 3) });
  assert.equal(s.detail.seen_version, 3);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { countedOptions, covers, markPieces, moveTarget, pageAround, previewLine } from "../js/search.js";

test("marks cut the text at code points, never trusting the spans", () => {
  assert.deepEqual(markPieces("é outage", [{ start: 2, end: 8 }]), [
    { text: "é ", mark: false }, { text: "outage", mark: true },
  ]);
  // An emoji is one code point, two UTF-16 units.
  assert.deepEqual(markPieces("😀 hi", [{ start: 2, end: 4 }]), [
    { text: "😀 ", mark: false }, { text: "hi", mark: true },
  ]);
  assert.deepEqual(markPieces("abc", [{ start: -5, end: 99 }]), [{ text: "abc", mark: true }]);
  assert.deepEqual(markPieces("abc", [{ start: "x", end: null }]), [{ text: "abc", mark: false }]);
  assert.deepEqual(markPieces("", [{ start: 0, end: 3 }]), []);
  assert.deepEqual(markPieces("<b>x</b>", [{ start: 3, end: 4 }]).map((p) => p.text).join(""), "<b>x</b>",
    "markup in a draft is text, kept whole");
});

test("the preview line shows where the words matched", () => {
  assert.deepEqual(previewLine({ preview: "Hi", matches: { preview: [{ start: 0, end: 2 }] } }),
    { prefix: "", text: "Hi", spans: [{ start: 0, end: 2 }] });
  assert.equal(previewLine({ preview: "Hi", matches: { preview: [], body: { text: "…later outage", matches: [] } } }).text,
    "…later outage");
  assert.equal(previewLine({ preview: "Hi", matches: { preview: [], post: { text: "lost order", matches: [] } } }).prefix,
    "Replying to: ");
  assert.deepEqual(previewLine({ preview: "Plain" }), { prefix: "", text: "Plain", spans: [] });
});

test("a page is asked for around the row wanted, inside the queue", () => {
  assert.deepEqual(pageAround(0, 1000, 120), { offset: 0, limit: 120 });
  assert.deepEqual(pageAround(500, 1000, 120), { offset: 460, limit: 120 });
  assert.deepEqual(pageAround(999, 1000, 120), { offset: 880, limit: 120 });
  assert.deepEqual(pageAround(10, 50, 120), { offset: 0, limit: 120 });
});

test("a loaded page covers rows with a margin where the queue goes on", () => {
  const page = { offset: 100, items: new Array(120).fill({}), total: 1000 };
  assert.equal(covers(page, 130, 140, 20), true);
  assert.equal(covers(page, 110, 120, 20), false, "too close to the top edge");
  assert.equal(covers({ offset: 0, items: new Array(50).fill({}), total: 50 }, 40, 50, 20), true, "the end of the queue needs no margin");
});

test("moves go over the whole queue, not just the loaded page", () => {
  assert.equal(moveTarget("next", 5, 10_000), 6);
  assert.equal(moveTarget("prev", 0, 10_000), 0);
  assert.equal(moveTarget("last", 3, 10_000), 9_999);
  assert.equal(moveTarget("first", 9_000, 10_000), 0);
  assert.equal(moveTarget("next", -1, 10), 0);
  assert.equal(moveTarget("next", 3, 0), -1);
});

test("menu labels carry their counts", () => {
  assert.deepEqual(countedOptions([["", "All"], ["x", "X"], ["bluesky", "Bluesky"]], { x: 1200 }, "bluesky"),
    [["", "All"], ["x", "X · 1,200"], ["bluesky", "Bluesky · 0"]]);
});

import { absoluteIndex, createState, selectAt, setPage } from "../js/queue-state.js";

const rows = (from, n) => Array.from({ length: n }, (_, i) => ({ id: `d${from + i}`, preview: `row ${from + i}` }));

test("a page of the queue keeps the selection on its draft, or its row number", () => {
  let s = setPage(createState(), { items: rows(0, 3), total: 1000 }, 0);
  assert.equal(s.selectedId, "d0", "the first row is selected at first");
  s = selectAt(s, 2);
  assert.equal(absoluteIndex(s), 2);
  // The page moves on (scrolling): the selection is kept though not loaded.
  s = setPage(s, { items: rows(500, 3), total: 1000 }, 500);
  assert.equal(s.selectedId, "d2");
  assert.equal(absoluteIndex(s), 2);
  s = setPage(s, { items: rows(0, 3), total: 1000 }, 0);
  assert.equal(absoluteIndex(s), 2);
  // Its draft left the queue: the row that took its place.
  s = setPage(s, { items: [{ id: "d0" }, { id: "d1" }, { id: "d3" }], total: 999 }, 0);
  assert.equal(s.selectedId, "d3");
  // Other words: the first result, unless the selected draft is among them.
  assert.equal(setPage(s, { items: rows(7, 2), total: 2 }, 0, { fresh: true }).selectedId, "d7");
  assert.equal(setPage(s, { items: [{ id: "d9" }, { id: "d3" }], total: 2 }, 0, { fresh: true }).selectedId, "d3");
  assert.equal(setPage(s, { items: [], total: 0 }, 0).selectedId, null);
  assert.equal(selectAt(s, 400), s, "a row not loaded cannot be selected yet");
});

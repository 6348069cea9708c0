import { test } from "node:test";
import assert from "node:assert/strict";
import { rowTop, scrollToReveal, visibleWindow } from "../js/virtual.js";

const base = { viewportHeight: 700, rowHeight: 84, count: 10000, overscan: 4 };

test("the visible window at the top, middle and bottom of 10,000 rows", () => {
  const cases = [
    ["top", 0, 0, 13],
    ["one row down", 84, 0, 14],
    ["middle", 420000, 4996, 5013],
    ["bottom", 10000 * 84 - 700, 9987, 10000],
    ["past the bottom (elastic scroll)", 10000 * 84 + 500, 9987, 10000],
    ["negative (elastic scroll)", -50, 0, 13],
  ];
  for (const [name, scrollTop, start, end] of cases) {
    const w = visibleWindow({ ...base, scrollTop });
    assert.deepEqual([w.start, w.end], [start, end], name);
    assert.equal(w.totalHeight, 840000);
    assert.ok(w.end - w.start < 30, `${name}: renders a handful of rows, not thousands`);
  }
});

test("short and empty lists", () => {
  assert.deepEqual(visibleWindow({ ...base, count: 0, scrollTop: 0 }), { start: 0, end: 0, totalHeight: 0 });
  assert.deepEqual(visibleWindow({ ...base, count: 3, scrollTop: 0 }), { start: 0, end: 3, totalHeight: 252 });
  const zero = visibleWindow({ ...base, viewportHeight: 0, scrollTop: 0 });
  assert.ok(zero.end >= 1, "a hidden viewport still renders the first row");
});

test("revealing a row scrolls as little as possible", () => {
  const v = { viewportHeight: 700, rowHeight: 84 };
  assert.equal(scrollToReveal({ ...v, index: 3, scrollTop: 0 }), 0, "already visible");
  assert.equal(scrollToReveal({ ...v, index: 8, scrollTop: 0 }), 9 * 84 - 700, "below: bottom-aligned");
  assert.equal(scrollToReveal({ ...v, index: 2, scrollTop: 500 }), 168, "above: top-aligned");
  assert.equal(scrollToReveal({ ...v, index: 9999, scrollTop: 0 }), 10000 * 84 - 700);
  assert.equal(rowTop(10, 84), 840);
});

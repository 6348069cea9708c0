// The reviewer's selection in the draft body as code points (the wire's unit), however
// many UTF-16 units its characters take: emoji, flags, accents and CJK included.
import { test } from "node:test";
import assert from "node:assert/strict";

import { FakeElement, FakeText } from "./fake-dom.js";
import {
  applyMove, caretStops, codePointToUnit, domSelectionSpan, moveCaret, selectedSpan, selectionMove,
  sliceCodePoints, trimSpan, unitToCodePoint, unitsBefore, wordEdges,
} from "../js/selection.js";

const BODY = "Hi 😀 Jamie! Your 🇬🇧 parcel ships café-fresh 明天.";

test("UTF-16 units and code points convert both ways", () => {
  const cp = [...BODY];
  for (let i = 0; i <= cp.length; i += 1) {
    const unit = codePointToUnit(BODY, i);
    assert.equal(unitToCodePoint(BODY, unit), i, `code point ${i}`);
    assert.equal(BODY.slice(0, unit), cp.slice(0, i).join(""));
  }
  // Half an emoji counts as before it; out-of-range is clamped.
  const emoji = BODY.indexOf("😀");
  assert.equal(unitToCodePoint(BODY, emoji + 1), unitToCodePoint(BODY, emoji));
  assert.equal(unitToCodePoint(BODY, 10_000), cp.length);
  assert.equal(unitToCodePoint(BODY, -3), 0);
  assert.equal(codePointToUnit(BODY, 10_000), BODY.length);
  assert.equal(sliceCodePoints(BODY, 3, 4), "😀");
});

test("a caret steps over whole characters: an emoji, a flag of two code points, an accent", () => {
  const text = "a😀🇬🇧e\u0301b";
  const stops = caretStops(text);
  // a | 😀 | 🇬🇧 (2 code points) | é (e + combining accent) | b
  assert.deepEqual(stops, [0, 1, 2, 4, 6, 7]);
  assert.equal(moveCaret(text, 2, { to: "next", by: "char" }), 4, "the flag is one step");
  assert.equal(moveCaret(text, 4, { to: "prev", by: "char" }), 2);
  assert.equal(moveCaret(text, 0, { to: "prev", by: "char" }), 0, "stays at the start");
  assert.equal(moveCaret(text, 7, { to: "next", by: "char" }), 7, "stays at the end");
});

test("word moves stop at word edges", () => {
  const text = "Hi 😀 Jamie, your parcel";
  assert.equal(moveCaret(text, 0, { to: "next", by: "word" }), 2, "to the end of Hi");
  assert.ok(wordEdges(text).every((e, i, all) => i === 0 || e > all[i - 1]), "sorted, no repeats");
  let at = 0;
  const seen = [];
  for (let i = 0; i < 12 && at < [...text].length; i += 1) {
    at = moveCaret(text, at, { to: "next", by: "word" });
    seen.push(at);
  }
  // After "Hi", before/after "Jamie", before/after "your", before/after "parcel".
  const idx = (w) => [...text.slice(0, text.indexOf(w))].length;
  for (const w of ["Jamie", "your", "parcel"]) {
    assert.ok(seen.includes(idx(w)), `stops before ${w}: ${seen}`);
    assert.ok(seen.includes(idx(w) + w.length), `stops after ${w}: ${seen}`);
  }
  assert.equal(moveCaret(text, idx("your") + 2, { to: "prev", by: "word" }), idx("your"));
});

test("keys in selection mode: arrows move, Shift extends, Ctrl/Alt go by word", () => {
  assert.deepEqual(selectionMove({ key: "ArrowRight" }), { to: "next", by: "char", extend: false });
  assert.deepEqual(selectionMove({ key: "ArrowLeft", shiftKey: true }), { to: "prev", by: "char", extend: true });
  assert.deepEqual(selectionMove({ key: "ArrowRight", shiftKey: true, ctrlKey: true }), { to: "next", by: "word", extend: true });
  assert.deepEqual(selectionMove({ key: "ArrowRight", altKey: true }), { to: "next", by: "word", extend: false });
  assert.deepEqual(selectionMove({ key: "Home", shiftKey: true }), { to: "start", by: "char", extend: true });
  assert.deepEqual(selectionMove({ key: "End" }), { to: "end", by: "char", extend: false });
  assert.equal(selectionMove({ key: "j" }), null);
  assert.equal(selectionMove({ key: "ArrowRight", metaKey: true }), null, "Cmd belongs to the system");
});

test("Shift+arrows build the selection a person sees, emoji included", () => {
  const text = "Hi 😀 Jamie";
  let sel = { anchor: 3, focus: 3 };
  for (let i = 0; i < 3; i += 1) sel = applyMove(text, sel, { to: "next", by: "char", extend: true });
  const span = selectedSpan(sel);
  assert.deepEqual(span, { start: 3, end: 6 });
  assert.equal(sliceCodePoints(text, span.start, span.end), "😀 J");
  // Shrinking back past the anchor selects to the left of it.
  for (let i = 0; i < 4; i += 1) sel = applyMove(text, sel, { to: "prev", by: "char", extend: true });
  assert.deepEqual(selectedSpan(sel), { start: 2, end: 3 });
  // An arrow without Shift collapses to the edge it points at.
  assert.deepEqual(applyMove(text, { anchor: 3, focus: 6 }, { to: "prev", by: "char", extend: false }), { anchor: 3, focus: 3 });
  assert.deepEqual(applyMove(text, { anchor: 6, focus: 3 }, { to: "next", by: "char", extend: false }), { anchor: 6, focus: 6 });
  assert.equal(selectedSpan({ anchor: 4, focus: 4 }), null, "a caret selects nothing");
  const word = applyMove(text, { anchor: 5, focus: 5 }, { to: "end", by: "char", extend: true });
  assert.equal(sliceCodePoints(text, ...Object.values(selectedSpan(word))), "Jamie");
});

test("white space at the edges of a selection is dropped; only white space is nothing", () => {
  const text = " a  😀 b ";
  assert.deepEqual(trimSpan(text, { start: 0, end: 8 }), { start: 1, end: 7 });
  assert.equal(trimSpan(text, { start: 2, end: 4 }), null);
  assert.deepEqual(trimSpan(text, { start: -5, end: 99 }), { start: 1, end: 7 }, "clamped");
  assert.equal(trimSpan(text, null), null);
});

test("a DOM selection across marks becomes code points of the body", () => {
  const body = "Hi 😀 Jamie, 🇬🇧 parcel";
  // The body as the pane draws it: text, a mark, text, an empty caret element.
  const t1 = new FakeText("Hi 😀 ");
  const mark = new FakeElement("mark");
  const t2 = new FakeText("Jamie");
  mark.appendChild(t2);
  const t3 = new FakeText(", 🇬🇧 parcel");
  const caret = new FakeElement("span");
  const root = new FakeElement("div");
  root.childNodes = [t1, mark, t3, caret];
  assert.equal(root.textContent, body);
  assert.equal(unitsBefore(root, t2, 2), "Hi 😀 Ja".length);
  assert.equal(unitsBefore(root, root, 2), "Hi 😀 Jamie".length, "an element offset counts children");
  assert.equal(unitsBefore(root, new FakeText("elsewhere"), 0), null);

  // From inside the emoji's text node to inside the flag's, backwards (focus before anchor).
  const span = domSelectionSpan(root, body, {
    anchorNode: t3, anchorOffset: ", 🇬🇧".length, focusNode: t1, focusOffset: "Hi ".length,
  });
  assert.equal(sliceCodePoints(body, span.start, span.end), "😀 Jamie, 🇬🇧");
  assert.deepEqual(span, { start: 3, end: 14 });
  // A Range (start/end containers) works the same; a selection outside the body is none.
  assert.deepEqual(domSelectionSpan(root, body, { startContainer: t2, startOffset: 0, endContainer: t2, endOffset: 5 }), { start: 5, end: 10 });
  assert.equal(domSelectionSpan(root, body, { anchorNode: new FakeText("x"), anchorOffset: 0, focusNode: t1, focusOffset: 1 }), null);
  assert.equal(domSelectionSpan(root, body, { anchorNode: t1, anchorOffset: 1, focusNode: t1, focusOffset: 1 }), null, "collapsed");
});

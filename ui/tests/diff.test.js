import { test } from "node:test";
import assert from "node:assert/strict";
import { side, tokenize, wordDiff } from "../js/diff.js";

const show = (d) => d.map((p) => (p.op === "equal" ? p.text : p.op === "insert" ? `{+${p.text}+}` : `[-${p.text}-]`)).join("");

test("tokens join back to the text", () => {
  for (const t of ["", "a b", "Hello, world!\n\nNew  line", "日本語 😀 café's #tag @user"]) {
    assert.equal(tokenize(t).join(""), t);
  }
});

test("word diff", () => {
  const cases = [
    ["same text", "same text", "same text"],
    ["", "new", "{+new+}"],
    ["old", "", "[-old-]"],
    ["ships by Thursday.", "ships early next week.", "ships [-by Thursday-]{+early next week+}."],
    ["We are sorry", "We are really sorry", "We are {+really +}sorry"],
    ["one two three", "one three", "one [-two -]three"],
    ["Hi Jamie,", "Hi Jamie!", "Hi Jamie[-,-]{+!+}"],
    ["a b c d", "a x c y", "a [-b-]{+x+} c [-d-]{+y+}"],
  ];
  for (const [before, after, want] of cases) assert.equal(show(wordDiff(before, after)), want, `${before} → ${after}`);
});

test("each side rebuilds its own text", () => {
  const before = "We're sorry your parcel was damaged. A replacement ships today.";
  const after = "We're really sorry your order was damaged. A replacement ships tomorrow.";
  const d = wordDiff(before, after);
  assert.equal(side(d, "before").map((p) => p.text).join(""), before);
  assert.equal(side(d, "after").map((p) => p.text).join(""), after);
});

test("very long texts fall back to a coarse but correct diff", () => {
  const before = Array.from({ length: 3000 }, (_, i) => `w${i}`).join(" ");
  const after = Array.from({ length: 3000 }, (_, i) => `v${i}`).join(" ");
  const d = wordDiff(before, after);
  assert.equal(side(d, "before").map((p) => p.text).join(""), before);
  assert.equal(side(d, "after").map((p) => p.text).join(""), after);
});

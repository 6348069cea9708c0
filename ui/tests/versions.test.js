// The versions overlay: which two versions it shows first (since the one last seen, or
// the nearest it can), what it says about them, and the word diff between any two picked.
import { test } from "node:test";
import assert from "node:assert/strict";

import { FakeElement } from "./fake-dom.js";

const { buildVersions, changeCount, initialPair, ledeText } = await import("../js/views/versions.js");

const V = [
  { version: 2, body: "Your parcel ships Thursday." },
  { version: 3, body: "Your parcel ships Friday." },
  { version: 4, body: "Your 😀 parcel ships on Friday morning." },
];

test("the first pair: since the version last seen, or the nearest there is", () => {
  assert.deepEqual(initialPair(V, 3), { from: 3, to: 4, seen: "changed" });
  assert.deepEqual(initialPair(V, 4), { from: 4, to: 4, seen: "unchanged" });
  assert.deepEqual(initialPair(V, 1), { from: 2, to: 4, seen: "trimmed" });
  assert.deepEqual(initialPair(V, null), { from: 3, to: 4, seen: "never" });
  assert.deepEqual(initialPair(V.slice(0, 1), 2), { from: 2, to: 2, seen: "only" });
  assert.deepEqual(initialPair([], null), { from: null, to: null, seen: "only" });
  assert.equal(ledeText(initialPair(V, 3), 3), "What changed since you last saw it (version 3).");
  assert.match(ledeText(initialPair(V, 1), 1), /version 1.*oldest it has \(version 2\)/);
  assert.match(ledeText(initialPair(V, 4), 4), /^Nothing changed/);
});

test("changes are counted as separate edits", () => {
  assert.equal(changeCount([{ op: "equal", text: "a" }]), "No changes");
  assert.equal(changeCount([{ op: "delete", text: "a" }, { op: "insert", text: "b" }, { op: "equal", text: " c" }]), "1 change");
  assert.equal(changeCount([{ op: "insert", text: "a" }, { op: "equal", text: " " }, { op: "delete", text: "c" }]), "2 changes");
});

function find(node, pred) {
  if (!(node instanceof FakeElement)) return [];
  return [...(pred(node) ? [node] : []), ...node.childNodes.flatMap((c) => find(c, pred))];
}

test("the overlay shows the diff since the version last seen, and redraws for another pair", () => {
  const panel = new FakeElement("div");
  buildVersions(panel, { versions: V, seen_version: 3 });
  const diff = () => panel.querySelector("[data-testid=versions-diff]");
  const marked = () => find(diff(), (e) => e.tagName === "INS" || e.tagName === "DEL").map((e) => `${e.tagName}:${e.textContent}`);
  assert.equal(panel.querySelector("[data-testid=versions-lede]").textContent, "What changed since you last saw it (version 3).");
  assert.deepEqual(marked(), ["INS:😀 ", "INS:on ", "INS: morning"]);
  const from = panel.querySelector("[data-testid=versions-from]");
  const options = find(from, (e) => e.tagName === "OPTION");
  assert.deepEqual(options.map((o) => [o.textContent, "selected" in o.attributes]),
    [["Version 2", false], ["Version 3 (you last saw)", true], ["Version 4 (current)", false]]);
  assert.equal(from.attributes.autofocus, "", "the first pick has the focus");

  from.value = "2";
  panel.querySelector("[data-testid=versions-to]").value = "3";
  for (const listener of panel.listeners.change) listener({ target: from });
  assert.deepEqual(marked(), ["DEL:Thursday", "INS:Friday"]);
  assert.equal(panel.querySelector("[data-testid=versions-count]").textContent, "1 change");
});

test("one version: nothing to pick, nothing changed", () => {
  const panel = new FakeElement("div");
  buildVersions(panel, { versions: V.slice(0, 1), seen_version: null });
  assert.equal(panel.querySelector("[data-testid=versions-from]"), null);
  assert.equal(panel.querySelector("[data-testid=versions-count]").textContent, "No changes");
  assert.equal(panel.querySelector("[data-testid=versions-diff]").textContent, "Your parcel ships Thursday.");
});

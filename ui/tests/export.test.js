// "Export my decisions" in the window: the outcome in words (where the files went, how
// many decisions wait for the server's receipt), and every string from the shell shown as
// text, on the stand-in DOM.
import { test } from "node:test";
import assert from "node:assert/strict";

import { FakeElement, FakeNode } from "./fake-dom.js";

const { exportWords, fileName, receiptWarning, renderExport } = await import("../js/views/export.js");

function find(node, testid) {
  if (!(node instanceof FakeElement)) return null;
  if (node.attributes["data-testid"] === testid) return node;
  for (const child of node.childNodes) {
    const found = find(child, testid);
    if (found) return found;
  }
  return null;
}

function elements(node) {
  if (!(node instanceof FakeElement)) return [];
  return [node, ...node.childNodes.flatMap(elements)];
}

const REPORT = {
  folder: "/home/rita/Downloads",
  csv: "/home/rita/Downloads/countersign-decisions-20261203-151900.csv",
  json: "/home/rita/Downloads/countersign-decisions-20261203-151900.json",
  decisions: 5,
  confirmed: 3,
  unconfirmed: 2,
  failed_checks: 0,
};

test("the outcome says where the files went and how many wait for the server", () => {
  const w = exportWords(REPORT);
  assert.equal(w.headline, "5 decisions exported");
  assert.equal(w.where, "Saved in /home/rita/Downloads");
  assert.deepEqual(w.files, [
    "countersign-decisions-20261203-151900.csv",
    "countersign-decisions-20261203-151900.json",
  ]);
  assert.match(w.confirmed, /^3 confirmed by the server/);
  assert.match(w.unconfirmed, /^2 decisions are not yet confirmed by the server/);
  assert.equal(w.failed, "", "no receipt failed its check");
});

test("one unconfirmed decision and a failed check are each said once, in the singular", () => {
  const w = exportWords({ ...REPORT, decisions: 1, confirmed: 0, unconfirmed: 1, failed_checks: 1 });
  assert.equal(w.headline, "1 decision exported");
  assert.match(w.unconfirmed, /^1 decision is not yet confirmed/);
  assert.match(w.failed, /^1 receipt did not pass the check/);
  assert.equal(exportWords({ ...REPORT, decisions: 0, confirmed: 0, unconfirmed: 0 }).headline,
    "No decisions to export yet");
});

test("file names are the last part of a path, with either separator", () => {
  assert.equal(fileName("C:\\Users\\rita\\Downloads\\a.csv"), "a.csv");
  assert.equal(fileName("/tmp/b.json"), "b.json");
  assert.equal(fileName("plain"), "plain");
  assert.equal(fileName(undefined), "");
});

test("the panel shows the folder and the files as text, and markup in them stays text", () => {
  const hostile = "/tmp/<img src=x onerror=alert(1)>";
  const panel = new FakeElement("div");
  renderExport(panel, { ...REPORT, folder: hostile, csv: `${hostile}/x<b>.csv`, json: `${hostile}/y.json` });
  assert.equal(find(panel, "export-folder").textContent, `Saved in ${hostile}`);
  assert.equal(find(panel, "export-files").textContent, "x<b>.csvy.json");
  assert.match(find(panel, "export-unconfirmed").textContent, /not yet confirmed/);
  assert.equal(find(panel, "export-failed"), null);
  const tags = elements(panel).map((el) => el.tagName);
  assert.ok(!tags.includes("IMG") && !tags.includes("B"), `no element came from the text: ${tags}`);
});

test("with every decision confirmed the panel has no waiting notice, and no stray text", () => {
  const panel = new FakeElement("div");
  renderExport(panel, { ...REPORT, decisions: 3, unconfirmed: 0 });
  // The DOM's replaceChildren writes a null it is given as the text "null".
  assert.ok(panel.childNodes.every((c) => c instanceof FakeNode), "every part is a node");
  assert.equal(find(panel, "export-unconfirmed"), null);
  assert.match(find(panel, "export-confirmed").textContent, /^3 confirmed/);
});

test("a sync whose receipts failed their check says so; one without says nothing", () => {
  assert.equal(receiptWarning(0), "");
  assert.equal(receiptWarning(undefined), "");
  assert.match(receiptWarning(1), /^1 receipt from the server did not pass the check/);
  assert.match(receiptWarning(3), /^3 receipts from the server/);
});

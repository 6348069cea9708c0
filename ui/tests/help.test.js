// The `?` help, rendered from the action table: every key of every action is on it.
import { test } from "node:test";
import assert from "node:assert/strict";

import { FakeElement } from "./fake-dom.js";

const { ACTIONS, keyLabel } = await import("../js/actions.js");
const { renderHelp } = await import("../js/views/help.js");

function walk(node, visit) {
  visit(node);
  for (const child of node.childNodes ?? []) walk(child, visit);
}

test("the help shows every key of every keyed action, with its label", () => {
  const panel = new FakeElement("div");
  renderHelp(panel);
  const rows = [];
  walk(panel, (n) => {
    if (n.tagName === "DT") rows.push({ name: n.dataset.action, text: n.textContent });
  });
  const text = panel.textContent;
  for (const [name, a] of Object.entries(ACTIONS)) {
    if (!a.keys?.length) continue;
    const row = rows.find((r) => r.name === name);
    assert.ok(row, `${name} is on the help`);
    for (const key of a.keys) assert.ok(row.text.includes(keyLabel(key)), `${name}: ${key}`);
    assert.ok(text.includes(a.label), `${name}'s label`);
  }
  assert.equal(rows.length, Object.values(ACTIONS).filter((a) => a.keys?.length).length, "nothing else");
});

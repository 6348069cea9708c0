import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { ACTIONS, helpSections, keyLabel, perform } from "../js/actions.js";
import { KEY_HELP } from "../js/keys.js";

const here = new URL("../", import.meta.url);

function sources() {
  const files = ["index.html"];
  for (const dir of ["js", "js/views", "js/controllers"]) {
    for (const f of readdirSync(new URL(dir, here))) if (f.endsWith(".js") && f !== "actions.js") files.push(`${dir}/${f}`);
  }
  return files.map((f) => [f, readFileSync(new URL(f, here), "utf8")]);
}

test("every data-action a view or the page names is in the action table", () => {
  const named = new Set();
  for (const [file, text] of sources()) {
    for (const m of text.matchAll(/data-action="([^"]+)"|dataset: \{ action: "([^"]+)"/g)) named.add(`${m[1] ?? m[2]}\t${file}`);
  }
  assert.ok(named.size > 10, "found the buttons");
  for (const entry of named) {
    const [name, file] = entry.split("\t");
    assert.ok(Object.hasOwn(ACTIONS, name), `${file} has data-action "${name}", which no action handles`);
  }
});

test("every keyed action says where the help lists it, and every action runs something", () => {
  for (const [name, a] of Object.entries(ACTIONS)) {
    assert.equal(typeof a.run, "function", name);
    if (a.keys?.length) {
      assert.ok(a.label, `${name} has keys but no label`);
      assert.ok(a.group, `${name} has keys but no group`);
    }
  }
});

test("the help lists every key of every action, from the table", () => {
  const listed = helpSections().flatMap((s) => s.entries.flatMap((e) => e.keys.map((k) => `${e.name}:${k}`)));
  for (const [name, a] of Object.entries(ACTIONS)) {
    for (const key of a.keys ?? []) assert.ok(listed.includes(`${name}:${keyLabel(key)}`), `${name} ${key}`);
  }
  assert.equal(KEY_HELP.length, Object.values(ACTIONS).filter((a) => a.keys?.length).length);
  assert.deepEqual(helpSections().map((s) => s.title), ["Move", "Decide", "Comments and versions", "Bulk", "Window"]);
  assert.equal(keyLabel("ArrowDown"), "↓");
  assert.equal(keyLabel("Escape"), "Esc");
  assert.equal(keyLabel("G"), "Shift+G", "a capital is Shift and the letter");
  assert.equal(keyLabel("g"), "g");
});

function fakeApp({ overlay = null } = {}) {
  const calls = [];
  const record = (area) => new Proxy({}, {
    get: (_, method) => (method === "isOpen" ? () => Boolean(overlay) : (...args) => calls.push([`${area}.${String(method)}`, ...args])),
  });
  const app = { calls };
  for (const area of ["queue", "draft", "overlays", "status", "access", "crisis", "session"]) app[area] = record(area);
  return app;
}

test("perform runs an action's controller call; a key under an overlay only when the action allows", () => {
  const app = fakeApp();
  assert.equal(perform(app, "next", { source: "key" }), true);
  assert.deepEqual(app.calls, [["queue.moveBy", "next"]]);
  assert.equal(perform(app, "no-such-action"), false);
  assert.equal(perform(app, "constructor"), false, "only the table's own names");

  const covered = fakeApp({ overlay: "help" });
  assert.equal(perform(covered, "approve", { source: "key" }), false, "a is held back under an overlay");
  assert.equal(perform(covered, "close", { source: "key" }), true);
  assert.equal(perform(covered, "help", { source: "key" }), true);
  assert.equal(perform(covered, "sync", { source: "click" }), true, "an overlay's own buttons act");
  assert.deepEqual(covered.calls, [["overlays.closeOrLeave"], ["overlays.toggleHelp"], ["status.syncNow"]]);

  const clicked = fakeApp();
  perform(clicked, "decide-again", { el: { dataset: { draftId: "d1" } } });
  assert.deepEqual(clicked.calls, [["overlays.decideAgain", "d1"]]);
});

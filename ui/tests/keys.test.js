import { test } from "node:test";
import assert from "node:assert/strict";
import { isTypingContext, keyAction, KEY_HELP } from "../js/keys.js";

const body = { tagName: "BODY" };
const key = (k, extra = {}) => ({ key: k, target: body, ...extra });

test("each key maps to its action", () => {
  const cases = [
    ["j", "next"], ["ArrowDown", "next"], ["k", "prev"], ["ArrowUp", "prev"],
    ["g", "first"], ["Home", "first"], ["G", "last"], ["End", "last"],
    ["a", "approve"], ["r", "reject"], ["c", "request_changes"], ["m", "comment"],
    ["s", "sync"], ["f", "filters"], ["?", "help"], ["Escape", "close"],
    ["x", "check"], ["J", "check-down"], ["K", "check-up"], ["A", "bulk-approve"], ["u", "undo"],
    ["y", null], ["Enter", null], ["Z", null], [" ", null],
  ];
  for (const [k, want] of cases) assert.equal(keyAction(key(k)), want, `key ${k}`);
});

test("keys with Ctrl, Cmd or Alt belong to the system", () => {
  assert.equal(keyAction(key("r", { ctrlKey: true })), null, "Ctrl+R must not reject");
  assert.equal(keyAction(key("a", { metaKey: true })), null, "Cmd+A must not approve");
  assert.equal(keyAction(key("s", { altKey: true })), null);
  assert.equal(keyAction(key("a", { isComposing: true })), null, "IME composition");
});

test("keys do not fire while typing, except Escape", () => {
  const contexts = [
    { tagName: "INPUT", type: "text" },
    { tagName: "INPUT", type: "password" },
    { tagName: "INPUT", type: "" },
    { tagName: "input", type: "search" },
    { tagName: "TEXTAREA" },
    { tagName: "SELECT" },
    { tagName: "DIV", isContentEditable: true },
  ];
  for (const target of contexts) {
    assert.equal(isTypingContext(target), true, JSON.stringify(target));
    for (const k of ["a", "r", "c", "m", "j", "k", "s", "f", "?"]) {
      assert.equal(keyAction({ key: k, target }), null, `${k} in ${target.tagName}`);
    }
    assert.equal(keyAction({ key: "Escape", target }), "close");
  }
});

test("buttons, checkboxes and the list are not typing contexts", () => {
  for (const target of [{ tagName: "BUTTON" }, { tagName: "INPUT", type: "checkbox" }, { tagName: "DIV" }, null]) {
    assert.equal(isTypingContext(target), false, JSON.stringify(target));
  }
  assert.equal(keyAction({ key: "a", target: { tagName: "BUTTON" } }), "approve");
  assert.equal(keyAction(null), null);
});

test("the help lists every mapped key", () => {
  const listed = KEY_HELP.flatMap((k) => k.keys).join(" ");
  for (const k of ["j", "k", "a", "r", "c", "m", "s", "f", "?", "Esc"]) assert.ok(listed.includes(k), k);
});

test("in the comment box only its own keys count: Enter sends, Shift+Enter is a new line, Escape cancels", () => {
  const box = { tagName: "TEXTAREA", dataset: { composer: "reject" } };
  assert.equal(keyAction({ key: "Enter", target: box }), "send");
  assert.equal(keyAction({ key: "Enter", shiftKey: true, target: box }), null);
  assert.equal(keyAction({ key: "Enter", isComposing: true, target: box }), null, "IME composition");
  assert.equal(keyAction({ key: "Escape", target: box }), "cancel-composer");
  for (const k of ["a", "j", "?", "s"]) assert.equal(keyAction({ key: k, target: box }), null, k);
  assert.equal(keyAction({ key: "Enter", target: body }), null, "Enter elsewhere is the browser's");
});

test("Shift with a named key falls back to the key itself unless the table names the pair", () => {
  assert.equal(keyAction(key("ArrowDown", { shiftKey: true })), "next");
  assert.equal(keyAction(key("Escape", { shiftKey: true })), "close");
});

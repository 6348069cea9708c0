// The sign-in form's "allow this insecure server" choice, on a small stand-in for the DOM
// (what dom.js's h() and the form use): the choice is offered only after the app refused a
// plain-http:// server, unticked, for that address only, and only a tick sends it.
import { test } from "node:test";
import assert from "node:assert/strict";

import { FakeElement } from "./fake-dom.js";

const { createSignin, signinErrorText } = await import("../js/views/signin.js");

function find(node, testid) {
  if (!(node instanceof FakeElement)) return null;
  if (node.attributes["data-testid"] === testid) return node;
  for (const child of node.childNodes) {
    const found = find(child, testid);
    if (found) return found;
  }
  return null;
}

function form() {
  const root = new FakeElement("main");
  const submitted = [];
  const handle = createSignin(root, { onSubmit: (values) => submitted.push(values) });
  const el = (testid) => find(root, testid) ?? assert.fail(`no ${testid}`);
  const submit = () => {
    el("signin-form").dispatch("submit");
    return submitted.at(-1);
  };
  el("signin-server").value = "http://10.0.0.5:7878";
  el("signin-username").value = "rita";
  el("signin-password").value = "secret";
  return { handle, el, submit };
}

test("the refusal reads as the app wrote it, naming the host and the risk", () => {
  const message = "10.0.0.5:7878 would be reached over plain http://, unencrypted: your password ...";
  const text = signinErrorText({ code: "insecure_server", message }, "http://10.0.0.5:7878");
  assert.match(text, /^10\.0\.0\.5:7878 would be reached over plain http:\/\//);
  assert.match(text, /unencrypted/);
  assert.equal(signinErrorText({ code: "insecure_server", message: "" }, ""), "This server would be reached unencrypted.");
});

test("the allowance is hidden until a refusal, and never sent without a tick", () => {
  const { handle, el, submit } = form();
  assert.equal(el("signin-insecure").hidden, true, "no choice before the app refused");
  assert.equal(submit().allowInsecure, false);

  handle.askInsecure("10.0.0.5:7878");
  assert.equal(el("signin-insecure").hidden, false, "offered after the refusal");
  assert.equal(el("signin-allow-insecure-label").textContent, "Allow unencrypted connection to 10.0.0.5:7878");
  assert.equal(el("signin-allow-insecure").checked, false, "offered unticked");
  assert.equal(submit().allowInsecure, false, "offered is not chosen");

  el("signin-allow-insecure").checked = true;
  const chosen = submit();
  assert.equal(chosen.allowInsecure, true, "the tick is the choice");
  assert.equal(chosen.serverUrl, "http://10.0.0.5:7878");
});

test("another address takes the choice away; the same one keeps it", () => {
  const { handle, el, submit } = form();
  handle.askInsecure("10.0.0.5:7878");
  el("signin-allow-insecure").checked = true;

  el("signin-server").value = "http://10.0.0.5:7878 ";
  el("signin-server").dispatch("input");
  assert.equal(el("signin-insecure").hidden, false, "the same address, a space added");
  assert.equal(submit().allowInsecure, true);

  el("signin-server").value = "http://10.0.0.6:7878";
  el("signin-server").dispatch("input");
  assert.equal(el("signin-insecure").hidden, true, "another server is not allowed by the tick");
  assert.equal(el("signin-allow-insecure").checked, false);
  assert.equal(submit().allowInsecure, false, "never sent for another server");
});

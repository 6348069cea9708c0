// The password asked again over the current screen (`sign_in_required`), on the small
// stand-in for the DOM: whose password is asked, what is kept, what is sent, and what is
// refused before anything is sent.
import { test } from "node:test";
import assert from "node:assert/strict";

import { FakeElement } from "./fake-dom.js";

const { buildResignin } = await import("../js/views/signin.js");

function overlay({ pending = 0, username = "david.chen" } = {}) {
  const panel = new FakeElement("div");
  const submitted = [];
  let others = 0;
  const handle = buildResignin(panel, {
    username, serverUrl: "http://127.0.0.1:7878", pending,
    onSubmit: (values) => submitted.push(values),
    onOtherAccount: () => { others += 1; },
  });
  const el = (testid) => panel.querySelector(`[data-testid=${testid}]`) ?? assert.fail(`no ${testid}`);
  const submit = () => {
    el("resignin-form").dispatch("submit");
    return submitted.at(-1);
  };
  return { handle, el, submit, submitted, others: () => others };
}

test("it names whose password is asked, on which server, and that waiting decisions are kept", () => {
  const { el } = overlay({ pending: 2 });
  assert.equal(el("resignin-username").value, "david.chen");
  assert.equal(el("resignin-username").attributes.readonly, "");
  const lede = el("resignin-lede").textContent;
  assert.match(lede, /http:\/\/127\.0\.0\.1:7878 asks for your password again/);
  assert.match(lede, /2 decisions wait to sync/);
  assert.match(overlay({ pending: 1 }).el("resignin-lede").textContent, /1 decision waits to sync/);
  assert.match(overlay().el("resignin-lede").textContent, /Your queue stays as it is/);
});

test("a user name that looks like markup is shown as text", () => {
  const { el } = overlay({ username: "<img src=x onerror=alert(1)>" });
  assert.equal(el("resignin-username").value, "<img src=x onerror=alert(1)>");
});

test("no password: nothing is sent and the reviewer is told", () => {
  const { el, submit, submitted } = overlay();
  assert.equal(submit(), undefined);
  assert.equal(submitted.length, 0);
  assert.equal(el("resignin-error").hidden, false);
  assert.match(el("resignin-error").textContent, /Enter your password/);
});

test("the password is sent, and the code only once the server asked for one", () => {
  const { el, handle, submit, submitted } = overlay();
  el("resignin-password").value = "countersign-demo";
  el("resignin-totp").value = "999999";
  assert.deepEqual(submit(), { password: "countersign-demo", totp: "" }, "a hidden code field sends nothing");
  handle.askTotp();
  el("resignin-totp").value = "12ab";
  submit();
  assert.equal(submitted.length, 1, "a code that is not 6 digits is refused here");
  assert.match(el("resignin-error").textContent, /6-digit code/);
  el("resignin-totp").value = " 123456 ";
  assert.deepEqual(submit(), { password: "countersign-demo", totp: "123456" });
});

test("busy, errors and another account", () => {
  const { el, handle, others } = overlay();
  handle.setBusy(true);
  assert.equal(el("resignin-submit").disabled, true);
  assert.equal(el("resignin-submit").textContent, "Signing in…");
  handle.setBusy(false);
  assert.equal(el("resignin-submit").textContent, "Sign in");
  handle.setError("wrong");
  assert.equal(el("resignin-error").hidden, false);
  handle.setError("");
  assert.equal(el("resignin-error").hidden, true);
  el("resignin-password").value = "typed";
  handle.focusPassword();
  assert.equal(el("resignin-password").value, "", "a refused password is cleared for the next try");
  el("resignin-other").dispatch("click");
  assert.equal(others(), 1);
});

// The draft pane with comments on the words: the body marked where Rust anchors them,
// the keyboard selection drawn without changing the body's text, the composer quoting
// the selected words with a field for a replacement, and the versions button.
import { test } from "node:test";
import assert from "node:assert/strict";

import { FakeElement } from "./fake-dom.js";

const { renderDraft, renderDraftBody } = await import("../js/views/draft.js");

function find(node, pred) {
  if (!(node instanceof FakeElement)) return [];
  return [...(pred(node) ? [node] : []), ...node.childNodes.flatMap((c) => find(c, pred))];
}
const byTestid = (root, id) => find(root, (e) => e.attributes["data-testid"] === id);

const BODY = "😀 Your parcel ships Thursday. <b>Sorry</b>!";
const cp = (needle) => [...BODY.slice(0, BODY.indexOf(needle))].length;

function detail(extra = {}) {
  const start = cp("Thursday");
  return {
    draft: {
      id: "d1", network: "x", channel: "@HartwellHelp", body: BODY, version: 2, status: "pending", urgency: "normal",
      author: { display_name: "Sam Patel" }, history: [], media: [], approvals: [],
    },
    steps: [], approval: { allowed: true }, findings: [], measure: null, route: null, schedule_warning: null,
    annotations: [{
      id: "n1", body: "Too late", by: { display_name: "David Chen" }, at: "2026-12-04T01:00:00Z", version: 1,
      suggestion: "Friday", target: { quote: { exact: "Thursday", prefix: "", suffix: "" } },
      anchor: { state: "moved", start, end: start + 8 }, accepted: false, pending: false,
    }],
    versions: [{ version: 1, body: "Your parcel ships Thursday." }, { version: 2, body: BODY }],
    seen_version: 1,
    ...extra,
  };
}

test("the pane marks anchored comments, lists them, and offers the versions", () => {
  const root = new FakeElement("div");
  renderDraft(root, { detail: detail(), item: null, now: Date.parse("2026-12-04T02:00:00Z") });
  const [body] = byTestid(root, "draft-body");
  assert.equal(body.textContent, BODY);
  const marks = find(body, (e) => e.tagName === "MARK");
  assert.deepEqual(marks.map((m) => [m.textContent, m.dataset.annotations]), [["Thursday", "n1"]]);
  assert.equal(find(body, (e) => e.tagName === "B").length, 0);
  const [item] = byTestid(root, "annotation");
  assert.equal(item.dataset.state, "moved");
  const [button] = byTestid(root, "versions-open");
  assert.equal(button.dataset.action, "versions");
  assert.match(button.textContent, /version 2 · changed since v1/);
  // One version known: no button, just the number.
  renderDraft(root, { detail: detail({ versions: [{ version: 2, body: BODY }] }), item: null, now: 0 });
  assert.equal(byTestid(root, "versions-open").length, 0);
});

test("selecting from the keyboard draws the selection and caret, the text unchanged", () => {
  const root = new FakeElement("div");
  const selection = { anchor: cp("Your"), focus: cp("Your") + 4 };
  renderDraft(root, { detail: detail(), item: null, now: 0, selection });
  const [body] = byTestid(root, "draft-body");
  assert.equal(body.textContent, BODY);
  assert.deepEqual(find(body, (e) => e.className === "selecting").map((e) => e.textContent), ["Your"]);
  assert.equal(byTestid(body, "selection-caret").length, 1);
  assert.match(byTestid(root, "selection-hint")[0].textContent, /^Selected: “Your”/);
  // Redrawing the body alone (each arrow key) keeps the element.
  renderDraftBody(body, detail(), null);
  assert.equal(byTestid(body, "selection-caret").length, 0);
  assert.equal(body.textContent, BODY);
});

test("the composer on selected words quotes them and offers a replacement field", () => {
  const root = new FakeElement("div");
  const target = { start: cp("<b>"), end: cp("!") };
  renderDraft(root, { detail: detail(), item: null, now: 0, composer: "annotate", target });
  const [form] = byTestid(root, "composer");
  assert.equal(form.dataset.composerForm, "annotate");
  assert.equal(byTestid(form, "composer-quote")[0].textContent, "<b>Sorry</b>");
  assert.equal(find(form, (e) => e.tagName === "B").length, 0, "the quote is text");
  const [input] = byTestid(form, "composer-suggestion");
  assert.equal(input.tagName, "INPUT");
  assert.equal(input.dataset.composerSuggestion, "");
  assert.equal(byTestid(form, "composer-input")[0].dataset.composer, "annotate");
});

test("while the composer is open on words, the body shows them selected, without a caret", () => {
  const root = new FakeElement("div");
  const target = { start: cp("parcel"), end: cp("parcel") + 6 };
  renderDraft(root, { detail: detail(), item: null, now: 0, composer: "annotate", target });
  const [body] = byTestid(root, "draft-body");
  assert.deepEqual(find(body, (e) => e.className === "selecting").map((e) => e.textContent), ["parcel"]);
  assert.equal(byTestid(body, "selection-caret").length, 0);
  assert.equal(body.textContent, BODY);
});

// Bulk selection and the undo list (pure), the confirmation overlay and the Undo toast
// (text only).
import { test } from "node:test";
import assert from "node:assert/strict";

import { FakeElement } from "./fake-dom.js";

const {
  afterUndo, checkedInOrder, confirmWords, extendChecked, forget, idsOf, keepListed, lastDecision,
  noneChecked, remember, stillOffered, toggleChecked, UNDO_OFFER_MS,
} = await import("../js/bulk.js");
const { buildBulkConfirm, bulkDoneText, decisionToast } = await import("../js/views/bulk.js");

function elements(node) {
  if (!(node instanceof FakeElement)) return [];
  return [node, ...node.childNodes.flatMap(elements)];
}
const byTestid = (node, id) => elements(node).filter((e) => e.attributes["data-testid"] === id);

test("x toggles one row; Shift+J/K check the focused row and the next, stopping at the ends", () => {
  const ids = ["a", "b", "c", "d"];
  let checked = toggleChecked(noneChecked(), "b");
  assert.deepEqual([...checked], ["b"]);
  assert.deepEqual([...toggleChecked(checked, "b")], [], "x again unchecks");
  let { checked: down, focus } = extendChecked(checked, ids, "b", 1);
  assert.equal(focus, "c");
  assert.deepEqual(checkedInOrder(down, ids), ["b", "c"]);
  ({ checked: down, focus } = extendChecked(down, ids, focus, 1));
  ({ checked: down, focus } = extendChecked(down, ids, focus, 1));
  assert.equal(focus, "d", "stops at the last row");
  assert.deepEqual(checkedInOrder(down, ids), ["b", "c", "d"]);
  const up = extendChecked(noneChecked(), ids, "a", -1);
  assert.equal(up.focus, "a");
  assert.deepEqual([...up.checked], ["a"]);
  assert.deepEqual(extendChecked(checked, ids, "zz", 1).focus, "zz", "an unknown focus changes nothing");
  assert.deepEqual([...keepListed(new Set(["a", "x"]), ids)], ["a"], "rows gone from the queue drop out");
  assert.ok(!checked.has("c"), "the sets are never changed in place");
});

test("the confirmation words say how many and how many are left out", () => {
  assert.deepEqual(confirmWords({ eligible: ["a", "b"], left_out: [] }), {
    title: "Approve 2 drafts?",
    summary: "Every selected draft will be approved, each as its own decision.",
    canConfirm: true,
  });
  const one = confirmWords({ eligible: ["a"], left_out: [{ draft_id: "b" }] });
  assert.equal(one.title, "Approve 1 draft?");
  assert.equal(one.summary, "1 selected draft is left out:");
  const none = confirmWords({ eligible: [], left_out: [{}, {}] });
  assert.equal(none.title, "Nothing to approve in bulk");
  assert.equal(none.summary, "2 selected drafts are left out:");
  assert.equal(none.canConfirm, false);
});

test("the undo list follows the outbox's renumbering", () => {
  let list = [];
  for (const [key, id, draft] of [[1, 4, "a"], [2, 5, "b"], [3, 6, "c"]]) list = remember(list, { key, mutationId: id, draftId: draft, at: 0 });
  assert.equal(lastDecision(list).draftId, "c");
  list = afterUndo(list, { mutation_id: 5, draft_id: "b" });
  assert.deepEqual(list.map((d) => [d.mutationId, d.draftId]), [[4, "a"], [5, "c"]], "ids above the undone one go down by one");
  assert.deepEqual(idsOf(list, [2, 3]), [5], "a toast's keys find the current ids; an undone one is gone");
  list = forget(list, 5);
  assert.deepEqual(list.map((d) => d.draftId), ["a"]);
  assert.equal(lastDecision([]), null);
  assert.ok(stillOffered(1000, 1000 + UNDO_OFFER_MS - 1));
  assert.ok(!stillOffered(1000, 1000 + UNDO_OFFER_MS));
});

test("the confirmation lists each left-out draft with Rust's reason, as text, and Approve has the focus", () => {
  const evil = "<img src=x onerror=alert(1)>";
  const panel = buildBulkConfirm(new FakeElement("div"), {
    eligible: ["a", "b"],
    left_out: [{ draft_id: "c", channel: "@help", preview: evil, reason: "The policy guard found something." }],
  });
  assert.equal(panel.attributes.role, "alertdialog");
  assert.equal(byTestid(panel, "bulk-title")[0].textContent, "Approve 2 drafts?");
  const rows = byTestid(panel, "bulk-left-out");
  assert.equal(rows.length, 1);
  assert.equal(rows[0].dataset.draftId, "c");
  assert.ok(rows[0].textContent.includes(evil), "the preview is text, whatever it holds");
  assert.ok(elements(panel).every((e) => e.tagName !== "IMG"));
  assert.equal(byTestid(panel, "bulk-reason")[0].textContent, "The policy guard found something.");
  const confirm = byTestid(panel, "bulk-confirm")[0];
  assert.equal(confirm.textContent, "Approve 2");
  assert.equal(confirm.dataset.action, "confirm-bulk");
  assert.ok("autofocus" in confirm.attributes, "Enter confirms");
  assert.ok(!("autofocus" in byTestid(panel, "bulk-cancel")[0].attributes));

  const nothing = buildBulkConfirm(new FakeElement("div"), { eligible: [], left_out: [{ draft_id: "c", channel: "", preview: "", reason: "r" }] });
  assert.equal(byTestid(nothing, "bulk-confirm").length, 0, "nothing to confirm");
  assert.ok("autofocus" in byTestid(nothing, "bulk-cancel")[0].attributes);
});

test("a decision's toast carries Undo with the undo list's keys", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const root = new FakeElement("div");
  const el = decisionToast(root, "Approved.", [7, 8], 5);
  const undo = byTestid(el, "toast-undo")[0];
  assert.equal(undo.dataset.action, "undo");
  assert.equal(undo.dataset.undoKeys, "7,8");
  assert.equal(undo.textContent, "Undo");
  decisionToast(root, "x", 3);
  assert.equal(byTestid(root, "toast-undo")[1].dataset.undoKeys, "3", "one key alone");
  assert.equal(bulkDoneText({ recorded: [1, 2], left_out: [1] }), "Approved 2 drafts; 1 left out.");
  assert.equal(bulkDoneText({ recorded: [1], left_out: [] }), "Approved 1 draft.");
});

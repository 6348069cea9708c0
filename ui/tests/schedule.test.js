// Late approvals in the window: the sentences the console asks with, the dialog they go in
// (text only, Cancel focused first, a real button to confirm), the "late" badge in the
// queue row and the draft, and the history line that says how late an approval was.
import { test } from "node:test";
import assert from "node:assert/strict";

import { FakeElement, FakeText } from "./fake-dom.js";

const { buildConfirmLate, lateHistoryText, lateSpan, warningWords } = await import("../js/views/schedule.js");
const { renderDraft } = await import("../js/views/draft.js");

function elements(node) {
  if (!(node instanceof FakeElement)) return [];
  return [node, ...node.childNodes.flatMap(elements)];
}

function byTestid(node, testid) {
  return elements(node).filter((e) => e.attributes["data-testid"] === testid);
}

test("the question for a draft whose time has passed says by how much and that it will be marked late", () => {
  const words = warningWords({ kind: "passed", by_secs: 2 * 3600 + 5 * 60 + 20 });
  assert.equal(`${words.text} ${words.question}`,
    "This draft was due to go out 2 h 5 min ago. Approve it anyway? It will be marked late.");
  assert.equal(warningWords({ kind: "passed", by_secs: 30 }).text, "This draft was due to go out 30 s ago.");
});

test("offline, the question says how long the laptop has been offline and when the draft publishes", () => {
  const words = warningWords({ kind: "before_likely_sync", publishes_in_secs: 40 * 60, offline_for_secs: 3 * 3600 });
  assert.equal(words.text,
    "You have been offline for 3 h; this draft publishes in 40 min, probably before your laptop syncs.");
  assert.match(words.question, /^Approve it anyway\?/);
  assert.match(warningWords({ kind: "before_likely_sync", publishes_in_secs: 20, offline_for_secs: 90 }).text,
    /publishes in under a minute/);
});

test("no warning, or one of a kind this window does not know, asks nothing", () => {
  assert.equal(warningWords(null), null);
  assert.equal(warningWords(undefined), null);
  assert.equal(warningWords({ kind: "something_newer", by_secs: 5 }), null);
  const panel = buildConfirmLate(new FakeElement("div"), { warning: null, draftId: "d1" });
  assert.equal(panel.childNodes.length, 0);
});

test("spans under a minute read in seconds, longer ones as the rest of the window writes them", () => {
  assert.deepEqual([0, 1, 59, 60, 7500, 3 * 86400].map(lateSpan), ["1 s", "1 s", "59 s", "1 min", "2 h 5 min", "3 days"]);
  assert.equal(lateHistoryText(7500), "2 h 5 min after its scheduled time");
});

test("the dialog is text only, focuses Cancel and confirms with a button naming the draft", () => {
  const panel = buildConfirmLate(new FakeElement("div"), { warning: { kind: "passed", by_secs: 7500 }, draftId: "d-42" });
  assert.equal(panel.attributes.role, "alertdialog");
  assert.equal(panel.attributes["aria-describedby"], "late-text");
  const text = byTestid(panel, "late-text")[0];
  assert.equal(text.attributes.id, "late-text");
  assert.equal(text.textContent, "This draft was due to go out 2 h 5 min ago. Approve it anyway? It will be marked late.");
  const buttons = elements(panel).filter((e) => e.tagName === "BUTTON");
  assert.deepEqual(buttons.map((b) => [b.textContent, b.attributes.type]), [["Cancel", "button"], ["Approve anyway", "button"]]);
  assert.equal(buttons[0].attributes.autofocus, "", "Cancel has the focus: nothing is approved by accident");
  assert.deepEqual(buttons[1].dataset, { action: "confirm-late", draftId: "d-42" });
  assert.ok(elements(panel).every((e) => e.childNodes.every((c) => c instanceof FakeElement || c instanceof FakeText)));
});

const rita = { id: "u1", username: "rita", display_name: "Rita" };
const alex = { id: "u9", username: "alex", display_name: "<img src=x onerror=alert(1)>" };

function detail({ warning = null, history = [], status = "pending" } = {}) {
  return {
    draft: {
      id: "d1", version: 2, status, network: "x", channel: "@acme", team: "t", body: "Our sale starts now",
      author: alex, urgency: "normal", scheduled_at: "2026-12-03T13:00:00Z", required_steps: [],
      approvals: [], in_reply_to: null, media: [], created_at: "2026-12-03T10:00:00Z",
      updated_at: "2026-12-03T10:00:00Z", history,
    },
    next_step: "review", steps: [], approval: { allowed: true, step: "review", who_may: [] }, findings: [],
    measure: null, route: null, schedule_warning: warning,
  };
}

const NOW = Date.parse("2026-12-03T15:05:00Z");

test("a draft whose time has passed shows a late badge and an approve button that asks first", () => {
  const root = new FakeElement("div");
  renderDraft(root, { detail: detail({ warning: { kind: "passed", by_secs: 7500 } }), item: null, now: NOW });
  const badge = byTestid(root, "late-badge")[0];
  assert.equal(badge.textContent, "Late");
  assert.equal(badge.attributes.title, "Due 2 h 5 min ago");
  const approve = byTestid(root, "action-approve")[0];
  assert.equal(approve.attributes.title, "Asks you to confirm first");
  assert.match(approve.textContent, /^Approve…/);

  const onTime = new FakeElement("div");
  renderDraft(onTime, { detail: detail(), item: null, now: NOW });
  assert.equal(byTestid(onTime, "late-badge").length, 0);
  assert.equal(byTestid(onTime, "action-approve")[0].attributes.title, undefined);
});

test("the history says how late an approval was, in text, and the draft keeps its late badge", () => {
  const history = [
    { at: "2026-12-03T15:05:00Z", by: rita, version: 2, event: "decided", decision_id: "x", verdict: "approve", step: "review", late_secs: 7500 },
    { at: "2026-12-03T12:00:00Z", by: rita, version: 1, event: "decided", decision_id: "y", verdict: "request_changes", comment: "<b>no</b>" },
  ];
  const root = new FakeElement("div");
  renderDraft(root, { detail: detail({ history, status: "approved" }), item: null, now: NOW });
  const lines = byTestid(root, "history")[0].childNodes.map((li) => li.textContent);
  assert.match(lines[1], /^Rita approved 2 h 5 min after its scheduled time \(review\) Late/);
  assert.match(lines[0], /^Rita requested changes ·/, "no lateness on an entry without late_secs");
  assert.equal(byTestid(root, "history-late").length, 1);
  assert.equal(byTestid(root, "late-badge")[0].attributes.title, "Approved 2 h 5 min after its scheduled time");
  assert.equal(elements(root).filter((e) => ["IMG", "B"].includes(e.tagName)).length, 0, "server strings stay text");
});

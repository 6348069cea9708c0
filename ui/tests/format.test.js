import { test } from "node:test";
import assert from "node:assert/strict";
import {
  NETWORKS, byName, crisisText, formatSpan, fullTime, initials, networkLabel, nextStepText, relativeTime,
  scheduleText, thousands,
} from "../js/format.js";

const NOW = Date.parse("2024-05-01T12:00:00Z");
const min = (n) => new Date(NOW + n * 60000).toISOString();

test("schedule text: publishes in, overdue by, unscheduled", () => {
  const cases = [
    [min(40), "publishes in 40 min", "soon"],
    [min(40.5), "publishes in 40 min", "soon"],
    [min(1), "publishes in 1 min", "soon"],
    [min(90), "publishes in 1 h 30 min", "later"],
    [min(120), "publishes in 2 h", "later"],
    [min(60 * 26), "publishes in 1 day", "later"],
    [min(60 * 24 * 3), "publishes in 3 days", "later"],
    [min(-5), "overdue by 5 min", "overdue"],
    [min(-61), "overdue by 1 h 1 min", "overdue"],
    [min(0.5), "publishes now", "soon"],
    [min(-0.5), "publishing now", "soon"],
    [null, "unscheduled", "none"],
    [undefined, "unscheduled", "none"],
    ["not a date", "unscheduled", "none"],
  ];
  for (const [at, text, tone] of cases) {
    assert.deepEqual(scheduleText(at, NOW), { text, tone }, `scheduled_at ${at}`);
  }
});

test("relative time reads naturally both ways", () => {
  const cases = [
    [min(-2), "2 min ago"],
    [min(-0.2), "just now"],
    [min(5), "in 5 min"],
    [min(-60 * 3), "3 h ago"],
    [min(-60 * 24 * 2), "2 days ago"],
    [null, ""],
  ];
  for (const [at, want] of cases) assert.equal(relativeTime(at, NOW), want, `time ${at}`);
});

test("spans round down and never show zero minutes", () => {
  assert.equal(formatSpan(10_000), "1 min");
  assert.equal(formatSpan(59 * 60000), "59 min");
  assert.equal(formatSpan(11 * 3600000 + 5 * 60000), "11 h", "from ten hours the minutes are noise");
});

// How long a post is, and the networks' limits, are measured in Rust (crates/policy's
// measure, tested there against twitter-text's conformance files); the window only shows
// `detail.measure` (tests/findings.test.js). Here only the names are left.
test("network names for the filter menu and labels; unknown ones shown as sent", () => {
  assert.deepEqual(Object.keys(NETWORKS), ["x", "bluesky", "mastodon", "threads", "linkedin", "instagram", "facebook"]);
  assert.equal(networkLabel("linkedin"), "LinkedIn");
  assert.equal(networkLabel("myspace"), "myspace");
  assert.equal(networkLabel(undefined), "");
});

test("initials and step words", () => {
  assert.equal(initials("@acme_help"), "AH");
  assert.equal(initials("Acme Corporation"), "AC");
  assert.equal(initials("@acme"), "AC");
  assert.equal(initials(""), "?");
  assert.equal(nextStepText("legal"), "Legal approval pending");
  assert.equal(nextStepText(null), "");
});

test("crisis banner: arrivals, and what a new sign-in finds waiting", () => {
  assert.equal(crisisText(1).headline, "A crisis draft just arrived.");
  assert.equal(crisisText(3).headline, "3 crisis drafts just arrived.");
  assert.equal(crisisText(7, { waiting: true }).headline, "7 crisis drafts are waiting.");
  assert.equal(crisisText(1, { waiting: true }).detail, " It is at the top of the queue.");
  assert.equal(crisisText("junk").headline, "A crisis draft just arrived.");
});

test("counts are grouped by thousands without the locale's number data", () => {
  assert.equal(thousands(0), "0");
  assert.equal(thousands(999), "999");
  assert.equal(thousands(10062), "10,062");
  assert.equal(thousands(1234567), "1,234,567");
  assert.equal(thousands("2500"), "2,500");
  assert.equal(thousands(-4200), "-4,200");
  assert.equal(thousands(1234.5), "1,234.5");
  assert.equal(thousands("n/a"), "n/a");
});

test("a moment in full is local time, day first, with seconds", () => {
  const at = new Date(2026, 11, 4, 9, 5, 7); // local time
  assert.equal(fullTime(at.toISOString()), "Fri 4 Dec 2026, 09:05:07");
  assert.equal(fullTime(null), "");
  assert.equal(fullTime("not a time"), "");
});

test("names are ordered case-blind, and the same way on every machine", () => {
  const names = ["@hartwell_x", "Care desk", "@Hartwell_bluesky", "care desk", "@hartwell_bluesky"];
  assert.deepEqual([...names].sort(byName), [
    "@Hartwell_bluesky", "@hartwell_bluesky", "@hartwell_x", "Care desk", "care desk",
  ]);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  characterCount, crisisText, formatSpan, graphemeLength, initials, mastodonLength, nextStepText,
  postLength, relativeTime, scheduleText, xWeightedLength,
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

test("X weighted length: URLs 23, emoji 2, CJK 2, Latin 1", () => {
  const cases = [
    ["hello", 5],
    ["", 0],
    ["https://example.com", 23],
    ["see https://example.com/a/very/long/path?with=query&and=more#fragment now", 4 + 23 + 4],
    ["two links http://a.example and www.b.example.org.", 10 + 23 + 5 + 23 + 1],
    ["😀", 2],
    ["👨‍👩‍👧‍👦", 2, "a ZWJ family is one emoji"],
    ["👍🏽", 2, "an emoji with a skin tone is one emoji"],
    ["🇫🇷", 2, "a flag is one emoji"],
    ["日本語", 6],
    ["café", 4],
    ["e\u0301", 2, "a combining accent counts as its own code point"],
    ["— “quoted”", 10, "dashes and curly quotes weigh 1"],
    ["…", 2, "the ellipsis is outside twitter-text's light ranges"],
    ["x".repeat(280), 280],
  ];
  for (const [text, want, why] of cases) assert.equal(xWeightedLength(text), want, why ?? text);
});

test("Bluesky counts graphemes", () => {
  const cases = [
    ["hello", 5],
    ["👨‍👩‍👧‍👦", 1],
    ["🇫🇷🇩🇪", 2],
    ["e\u0301", 1],
    ["日本語", 3],
    ["https://example.com", 19, "links count in full"],
  ];
  for (const [text, want, why] of cases) assert.equal(graphemeLength(text), want, why ?? text);
  assert.equal(postLength("bluesky", "👍🏽".repeat(300)), 300);
});

test("Mastodon: links 23, remote mentions count the username only", () => {
  assert.equal(mastodonLength("hi https://example.com/a/long/path"), 3 + 23);
  assert.equal(mastodonLength("@acme@mastodon.social hi"), "@acme hi".length);
  assert.equal(mastodonLength("😀"), 1);
});

test("character count per network, red when over", () => {
  const cases = [
    ["x", "a".repeat(280), 280, false],
    ["x", "a".repeat(281), 280, true],
    ["x", "日".repeat(141), 280, true],
    ["bluesky", "a".repeat(300), 300, false],
    ["bluesky", "a".repeat(301), 300, true],
    ["mastodon", "a".repeat(501), 500, true],
    ["threads", "a".repeat(500), 500, false],
    ["linkedin", "a".repeat(3001), 3000, true],
    ["instagram", "a".repeat(2200), 2200, false],
    ["facebook", "a".repeat(63207), 63206, true],
  ];
  for (const [network, text, limit, over] of cases) {
    const c = characterCount(network, text);
    assert.equal(c.limit, limit, network);
    assert.equal(c.over, over, `${network} ${text.length}`);
  }
  assert.equal(characterCount("x", "hello").text, "5 / 280");
  assert.equal(characterCount("linkedin", "hi").text, "2 / 3,000");
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

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  badgeLabel, blockingCount, codePointOffsets, excerpt, findingRanges, findingsSummary,
  groupFindings, markSegments, measureText, overrideTitle, routeText, spanToRange, worstSeverity,
} from "../js/findings.js";

const finding = (start, end, severity = "block", extra = {}) => ({
  rule: "personal_data.email", category: "personal_data", severity,
  span: start === null ? undefined : { start, end }, message: "m", reason: "r", ...extra,
});

/** The marked text of every piece, as [text, [finding indices]]. */
const pieces = (text, findings) => markSegments(text, findings).map((p) => [p.text, p.findings]);

test("code-point offsets: astral characters take two UTF-16 units", () => {
  assert.deepEqual(codePointOffsets("ab"), [0, 1, 2]);
  assert.deepEqual(codePointOffsets("a😀b"), [0, 1, 3, 4], "the emoji is one code point, two units");
  assert.deepEqual(codePointOffsets(""), [0]);
  assert.deepEqual(codePointOffsets("é"), [0, 1], "a BMP accent is one unit");
  assert.deepEqual(codePointOffsets("e\u0301"), [0, 1, 2], "a combining accent is its own code point");
});

test("a span after emoji lands on the same characters Rust meant", () => {
  // Rust counts code points: "🙄 " is 2 code points, so "Gary" starts at 2 and ends at 6.
  const text = "🙄 Gary 👨‍👩‍👧 raj@example.com.";
  const at = [...text].join("").indexOf("raj"); // a UTF-16 index
  const cpStart = [...text.slice(0, at)].length;
  const cpEnd = cpStart + "raj@example.com".length;
  const [gary, email] = findingRanges(text, [finding(2, 6), finding(cpStart, cpEnd)]);
  assert.equal(text.slice(gary.start, gary.end), "Gary");
  assert.equal(text.slice(email.start, email.end), "raj@example.com",
    "the ZWJ family is 5 code points but 8 units: naive indices would be 3 units short");
});

test("spans are clamped to the text; empty and missing ones mark nothing", () => {
  const offsets = codePointOffsets("hello");
  const cases = [
    [{ start: 1, end: 3 }, { start: 1, end: 3 }],
    [{ start: 3, end: 99 }, { start: 3, end: 5 }, "an end past the text is clamped"],
    [{ start: -4, end: 2 }, { start: 0, end: 2 }, "a negative start is clamped"],
    [{ start: 7, end: 9 }, null, "wholly outside: nothing to mark"],
    [{ start: 3, end: 3 }, null, "empty"],
    [{ start: 4, end: 2 }, null, "backwards"],
    [undefined, null, "a whole-draft finding"],
    [{ start: "x", end: 2 }, null, "not a number"],
  ];
  for (const [span, want, why] of cases) assert.deepEqual(spanToRange(offsets, span), want, why ?? JSON.stringify(span));
});

test("segments: marked and unmarked pieces join back to the text exactly", () => {
  const text = "Call 07700 900461 or mail a@b.co";
  const findings = [finding(5, 17, "block"), finding(26, 32, "warn")];
  assert.deepEqual(pieces(text, findings), [
    ["Call ", []], ["07700 900461", [0]], [" or mail ", []], ["a@b.co", [1]],
  ]);
  for (const f of [[], findings, [finding(0, 2)], [finding(null)]]) {
    assert.equal(markSegments(text, f).map((p) => p.text).join(""), text, "nothing lost or doubled");
  }
});

test("segments: spans at both ends, the whole text, and none", () => {
  assert.deepEqual(pieces("abcdef", [finding(0, 2), finding(4, 6)]), [["ab", [0]], ["cd", []], ["ef", [1]]]);
  assert.deepEqual(pieces("abc", [finding(0, 3)]), [["abc", [0]]]);
  assert.deepEqual(pieces("abc", []), [["abc", []]]);
  assert.deepEqual(pieces("abc", [finding(null)]), [["abc", []]], "a whole-draft finding marks nothing");
  assert.deepEqual(pieces("", [finding(0, 3)]), [], "an empty body has no pieces");
});

test("segments: overlapping spans split into pieces covered by each, worst severity wins", () => {
  const text = "abcdefgh";
  const findings = [finding(1, 5, "warn"), finding(3, 7, "block"), finding(3, 5, "info")];
  const got = markSegments(text, findings);
  assert.deepEqual(got.map((p) => [p.text, p.findings, p.severity]), [
    ["a", [], null],
    ["bc", [0], "warn"],
    ["de", [0, 1, 2], "block"],
    ["fg", [1], "block"],
    ["h", [], null],
  ]);
  const nested = pieces("abcdef", [finding(0, 6, "info"), finding(2, 3, "block")]);
  assert.deepEqual(nested, [["ab", [0]], ["c", [0, 1]], ["def", [0]]], "a span inside another");
  const same = pieces("abcdef", [finding(1, 4), finding(1, 4)]);
  assert.deepEqual(same, [["a", []], ["bcd", [0, 1]], ["ef", []]], "identical spans share one piece");
});

test("segments: emoji inside and around marks are never cut in half", () => {
  const text = "😀ab🙄cd";
  const got = pieces(text, [finding(1, 4), finding(4, 99)]);
  assert.deepEqual(got, [["😀", []], ["ab🙄", [0]], ["cd", [1]]]);
  for (const [piece] of got) assert.doesNotMatch(piece, /[\uD800-\uDBFF]$|^[\uDC00-\uDFFF]/, "no lone surrogate");
});

test("excerpts of marked text are short and whole", () => {
  const text = "mail raj.khanna82@gmail.com now";
  const [range] = findingRanges(text, [finding(5, 27)]);
  assert.equal(excerpt(text, range), "raj.khanna82@gmail.com");
  assert.equal(excerpt(text, null), "");
  assert.equal(excerpt("😀".repeat(100), { start: 0, end: 200 }, 5), "😀😀😀😀…", "cut by code point, not unit");
});

test("the queue badge says how many findings and how serious", () => {
  const cases = [
    ["block", 2, "2 findings, blocking"],
    ["block", 1, "1 finding, blocking"],
    ["warn", 3, "3 findings, warning"],
    ["info", 1, "1 finding, for information"],
    [null, 0, null],
    [undefined, 4, null],
    ["bogus", 1, null],
  ];
  for (const [risk, count, want] of cases) assert.equal(badgeLabel(risk, count), want, `${risk} ${count}`);
  assert.equal(badgeLabel("warn", 0), "1 finding, warning", "a risk means at least one finding");
});

test("severities: worst first, counts and summary", () => {
  assert.equal(worstSeverity(["info", "block", "warn"]), "block");
  assert.equal(worstSeverity(["info", "warn"]), "warn");
  assert.equal(worstSeverity([]), null);
  assert.equal(worstSeverity(["unknown"]), null);
  const list = [finding(0, 1, "block"), finding(0, 1, "block"), finding(null, null, "warn"), finding(null, null, "info")];
  assert.equal(blockingCount(list), 2);
  assert.equal(blockingCount(undefined), 0);
  assert.equal(findingsSummary(list), "2 blocking · 1 warning · 1 note");
  assert.equal(findingsSummary([]), "No findings");
  assert.equal(findingsSummary([finding(0, 1, "warn"), finding(0, 1, "warn")]), "2 warnings");
});

test("the override prompt says how many blocking findings it approves over", () => {
  assert.equal(overrideTitle(1), "Approving over 1 blocking finding: say why");
  assert.equal(overrideTitle(3), "Approving over 3 blocking findings: say why");
  assert.equal(overrideTitle(0), "Approving over 1 blocking finding: say why", "the backend said there is one");
});

test("routes say why the steps are what they are", () => {
  assert.match(routeText({ kind: "fast_lane" }, [{ step: "review" }]), /Fast lane: the guard found nothing, so this channel asks only for review/);
  assert.match(routeText({ kind: "escalated", step: "legal" }), /The legal step was added: .*blocking finding/);
  assert.match(routeText({ kind: "pre_approved", reply_id: "r1", reply: "Delivery delay apology" }),
    /pre-approved reply “Delivery delay apology”/);
  assert.equal(routeText(null), null);
  assert.equal(routeText({ kind: "something_new" }), null);
});

test("the length shown is Rust's measure", () => {
  assert.deepEqual(
    measureText({ network: "x", weighted_length: 276, limit: 280, unit: "weighted characters", valid: true }, "X"),
    { text: "276 / 280 weighted characters", over: false, title: "Within X's limit" });
  assert.deepEqual(
    measureText({ network: "bluesky", weighted_length: 312, limit: 300, unit: "graphemes", valid: false }, "Bluesky"),
    { text: "312 / 300 graphemes", over: true, title: "12 over Bluesky's limit" });
  assert.equal(
    measureText({ network: "linkedin", weighted_length: 3001, limit: 3000, unit: "characters", valid: false }).text,
    "3,001 / 3,000 characters");
  assert.equal(
    measureText({ network: "bluesky", weighted_length: 290, limit: 300, unit: "graphemes", valid: false }, "Bluesky").title,
    "Over Bluesky's limit", "within the graphemes but over the byte cap: Rust's valid decides");
  assert.equal(measureText(undefined), null);
});

test("the list groups a rule saying the same thing twice, and gives each rule's reason once", () => {
  const guess = (start, end) => finding(start, end, "block", { rule: "crisis.speculation", message: "Speculation" });
  const list = [
    finding(0, 4, "block", { rule: "crisis.unauthorised_speaker", message: "Speaks for us" }),
    guess(5, 9), guess(10, 12),
    finding(13, 14, "block", { rule: "health.identifiable_person", message: "about A" }),
    finding(15, 16, "block", { rule: "health.identifiable_person", message: "about B" }),
    guess(20, 22),
  ];
  const groups = groupFindings(list);
  assert.deepEqual(groups.map((g) => [g.finding.rule, g.indices, g.showReason]), [
    ["crisis.unauthorised_speaker", [0], true],
    ["crisis.speculation", [1, 2, 5], true],
    ["health.identifiable_person", [3], true],
    ["health.identifiable_person", [4], false],
  ], "same rule and message: one entry; same rule, other message: its own entry, reason once");
  assert.deepEqual(groupFindings(undefined), []);
});

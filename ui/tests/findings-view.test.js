// The findings views on a minimal stand-in for the DOM (just what dom.js's h() uses): the
// body is text nodes and <mark> elements holding text, and every server string in the
// panel arrives as a text node, never as elements.
import { test } from "node:test";
import assert from "node:assert/strict";

import { FakeElement, FakeText } from "./fake-dom.js";

const { findingsPanel, renderBody } = await import("../js/views/findings.js");

function elements(node, out = []) {
  if (node instanceof FakeElement) {
    out.push(node);
    for (const c of node.childNodes) elements(c, out);
  }
  return out;
}

const finding = (start, end, extra = {}) => ({
  rule: "personal_data.email", category: "personal_data", severity: "block",
  span: start === null ? undefined : { start, end }, message: "An e-mail address", reason: "Why", ...extra,
});

test("the body is text and marks of text, and reads exactly as the draft", () => {
  const body = "😀 <b>mail</b> raj@example.com now";
  const cp = [...body];
  const start = cp.indexOf("r");
  const el = renderBody(new FakeElement("div"), body, [finding(start, start + "raj@example.com".length), finding(null)]);
  assert.equal(el.textContent, body, "nothing lost, nothing added");
  const marks = el.childNodes.filter((c) => c instanceof FakeElement);
  assert.deepEqual(marks.map((m) => [m.tagName, m.textContent, m.dataset.findings]), [["MARK", "raj@example.com", "0"]]);
  for (const m of marks) assert.ok(m.childNodes.every((c) => c instanceof FakeText), "a mark holds text only");
  assert.ok(el.childNodes.filter((c) => !(c instanceof FakeElement)).every((c) => c instanceof FakeText));
  assert.equal(elements(el).filter((e) => e.tagName === "B").length, 0, "markup in the body stays text");
});

test("overlapping findings make one mark per piece, listing both", () => {
  const el = renderBody(new FakeElement("div"), "abcdef", [finding(0, 4), finding(2, 6, { severity: "warn" })]);
  assert.deepEqual(el.childNodes.map((m) => [m.textContent, m.dataset.findings, m.className]), [
    ["ab", "0", "finding-mark severity-block"],
    ["cd", "0 1", "finding-mark severity-block overlap"],
    ["ef", "1", "finding-mark severity-warn"],
  ]);
});

test("the panel shows server strings as text, and says when there is nothing", () => {
  const hostile = "<img src=x onerror=alert(1)>";
  const panel = findingsPanel({
    draft: { body: `hi ${hostile}` },
    findings: [finding(3, 3 + hostile.length, { rule: "network.markup", message: hostile, reason: `<script>${hostile}</script>` })],
    route: { kind: "escalated", step: "<legal>" },
    steps: [],
  });
  const tags = new Set(elements(panel).map((e) => e.tagName));
  for (const bad of ["IMG", "SCRIPT"]) assert.ok(!tags.has(bad), `no ${bad} element`);
  assert.ok(panel.textContent.includes(hostile), "the message is shown literally");
  assert.ok(panel.textContent.includes("The <legal> step was added"), "the route too");
  const clean = findingsPanel({ draft: { body: "hello" }, findings: [], route: null, steps: [] });
  assert.ok(clean.textContent.includes("No findings"));
});

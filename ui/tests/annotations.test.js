// Comments on the words in the draft pane, on a minimal stand-in for the DOM: the body
// stays the draft's text exactly with findings, comments and the selection marked where
// Rust's code-point anchors say (emoji before them included), hostile text stays text,
// and each comment is listed where it belongs (on words, moved, gone, whole draft).
import { test } from "node:test";
import assert from "node:assert/strict";

import { FakeElement, FakeText } from "./fake-dom.js";

const { annotationRanges, bodyPieces, groupAnnotations, suggestionWords, anchorNote } = await import("../js/annotations.js");
const { annotationsPanel, renderAnnotatedBody } = await import("../js/views/annotations.js");

function elements(node, out = []) {
  if (node instanceof FakeElement) {
    out.push(node);
    for (const c of node.childNodes) elements(c, out);
  }
  return out;
}

const cpIndex = (text, needle) => [...text.slice(0, text.indexOf(needle))].length;

function note(id, body, needle, extra = {}) {
  const start = cpIndex(body, needle);
  const end = start + [...needle].length;
  return {
    id, body: `about ${needle}`, by: { display_name: "David Chen" }, at: "2026-12-04T02:00:00Z", version: 1,
    suggestion: null, target: { quote: { exact: needle, prefix: "", suffix: "" }, position: { start, end } },
    anchor: { state: "exact", start, end }, accepted: false, pending: false, ...extra,
  };
}

test("anchors in code points land on the right words after emoji", () => {
  const body = "😀😀 Your 🇬🇧 parcel ships Thursday.";
  const a = note("a1", body, "Thursday");
  const [r] = annotationRanges(body, [a]);
  assert.equal(body.slice(r.start, r.end), "Thursday");
  assert.deepEqual(annotationRanges(body, [{ ...a, anchor: { state: "detached" } }, { ...a, target: null, anchor: null }]), [null, null]);
});

test("pieces join back to the body and carry findings, comments and the selection", () => {
  const body = "Hi 😀 Jamie, ships Thursday";
  const findings = [{ severity: "warn", span: { start: cpIndex(body, "Jamie"), end: cpIndex(body, "Jamie") + 5 }, message: "A name" }];
  const annotations = [note("n1", body, "Jamie, ships")];
  const selection = { start: cpIndex(body, "ships"), end: cpIndex(body, "Thursday") + 8 };
  const pieces = bodyPieces(body, { findings, annotations, selection });
  assert.equal(pieces.map((p) => p.text).join(""), body);
  const of = (t) => pieces.find((p) => p.text === t);
  assert.deepEqual([of("Jamie").findings, of("Jamie").annotations, of("Jamie").selected], [[0], [0], false]);
  assert.deepEqual([of(", ").annotations, of("ships").annotations, of("ships").selected], [[0], [0], true]);
  assert.equal(of(" Thursday").selected, true);
  assert.equal(of("Hi 😀 ").annotations.length, 0);
});

test("a caret is a cut with nothing in it, also at the very end", () => {
  const body = "ab😀";
  const mid = bodyPieces(body, { caret: 2 });
  assert.deepEqual(mid.map((p) => [p.text, p.caretBefore]), [["ab", false], ["😀", true]]);
  const end = bodyPieces(body, { caret: 3 });
  assert.deepEqual(end.map((p) => [p.text, p.caretBefore]), [["ab😀", false], ["", true]]);
  assert.deepEqual(bodyPieces("", { caret: 0 }).map((p) => [p.text, p.caretBefore]), [["", true]]);
});

test("the body drawn is text and marks of text; markup in it stays text", () => {
  const body = "😀 <img src=x onerror=alert(1)> ships Thursday";
  const annotations = [note("n1", body, "<img src=x onerror=alert(1)>"), note("n2", body, "Thursday", { pending: true })];
  const el = renderAnnotatedBody(new FakeElement("div"), body, { annotations, caret: 0 });
  assert.equal(el.textContent, body, "nothing lost, nothing added (the caret holds no text)");
  const marks = el.childNodes.filter((c) => c instanceof FakeElement && c.tagName === "MARK");
  assert.deepEqual(marks.map((m) => [m.textContent, m.dataset.annotations]), [["<img src=x onerror=alert(1)>", "n1"], ["Thursday", "n2"]]);
  assert.ok(marks[1].className.includes("note-pending"));
  for (const m of marks) assert.ok(m.childNodes.every((c) => c instanceof FakeText), "a mark holds text only");
  assert.equal(elements(el).filter((e) => e.tagName === "IMG").length, 0);
  const caret = el.childNodes[0];
  assert.equal(caret.attributes["data-testid"], "selection-caret");
  assert.equal(caret.attributes["aria-hidden"], "true");
});

test("a finding and a comment on the same words are one mark carrying both", () => {
  const body = "mail raj@example.com now";
  const start = cpIndex(body, "raj");
  const findings = [{ severity: "block", span: { start, end: start + 15 }, message: "An e-mail address" }];
  const el = renderAnnotatedBody(new FakeElement("div"), body, { findings, annotations: [note("n1", body, "raj@example.com")] });
  const marks = el.childNodes.filter((c) => c instanceof FakeElement);
  assert.equal(marks.length, 1);
  assert.equal(marks[0].dataset.findings, "0");
  assert.equal(marks[0].dataset.annotations, "n1");
  assert.match(marks[0].className, /finding-mark severity-block.*note-mark/);
  assert.equal(marks[0].attributes.title, "An e-mail address\nComment: about raj@example.com");
});

test("a selection outside any mark is a span, not a mark", () => {
  const el = renderAnnotatedBody(new FakeElement("div"), "one two three", { selection: { start: 4, end: 7 } });
  assert.deepEqual(el.childNodes.map((c) => (c instanceof FakeElement ? [c.tagName, c.className, c.textContent] : c.data)),
    ["one ", ["SPAN", "selecting", "two"], " three"]);
});

test("comments are grouped by where they point, and suggestions read as words", () => {
  const body = "ships Thursday";
  const exact = note("e", body, "Thursday", { suggestion: "Friday" });
  const moved = note("m", body, "ships", { anchor: { state: "moved", start: 0, end: 5 } });
  const gone = note("g", body, "Monday", { anchor: { state: "detached" } });
  const accepted = note("a", body, "Tuesday", { anchor: { state: "detached" }, accepted: true, suggestion: "" });
  const whole = { ...note("w", body, "ships"), target: null, anchor: null };
  const groups = groupAnnotations([exact, moved, gone, accepted, whole]);
  assert.deepEqual(Object.fromEntries(Object.entries(groups).map(([k, v]) => [k, v.map((a) => a.id)])),
    { marked: ["e", "m", "a"], detached: ["g"], whole: ["w"] });
  assert.deepEqual(suggestionWords(exact), { verb: "Replace", from: "Thursday", to: "Friday", accepted: false });
  assert.deepEqual(suggestionWords(accepted), { verb: "Delete", from: "Tuesday", to: null, accepted: true });
  assert.equal(suggestionWords(moved), null);
  assert.equal(anchorNote(exact), null);
  assert.match(anchorNote(moved), /moved/);
  assert.equal(anchorNote(gone), "The words this pointed at are gone.");
  assert.match(anchorNote(accepted), /accepted/);
});

test("the list: hostile comments stay text; gone words listed apart with their quote", () => {
  const body = "ships Thursday";
  const hostile = "<script>alert(1)</script>";
  const detail = {
    annotations: [
      note("e", body, "Thursday", { suggestion: hostile, body: hostile }),
      note("g", body, "<b>Monday</b>", { anchor: { state: "detached" } }),
      note("a", body, "ships", { suggestion: "goes", accepted: true }),
    ],
  };
  const panel = annotationsPanel(detail, Date.parse("2026-12-04T03:00:00Z"));
  const all = elements(panel);
  assert.equal(all.filter((e) => ["SCRIPT", "B"].includes(e.tagName)).length, 0, "markup stays text");
  const items = all.filter((e) => e.attributes["data-testid"] === "annotation");
  assert.deepEqual(items.map((i) => [i.dataset.annotation, i.dataset.state, i.dataset.accepted]),
    [["e", "exact", "false"], ["a", "exact", "true"], ["g", "detached", "false"]]);
  const detached = panel.querySelector("[data-testid=annotations-detached]");
  assert.match(detached.textContent, /gone/);
  assert.match(detached.textContent, /“<b>Monday<\/b>”/);
  const suggestion = items[0].querySelector("[data-testid=annotation-suggestion]");
  assert.equal(suggestion.textContent, `Replace Thursday with ${hostile}`);
  assert.equal(items[1].querySelector("[data-testid=annotation-accepted]").textContent, "Accepted by the author");
  assert.equal(items[2].attributes.tabindex, undefined, "nothing to emphasise for gone words");
  assert.equal(items[0].attributes.tabindex, "0");
  assert.equal(annotationsPanel({ annotations: [] }, 0), null);
});

test("the version last seen stays the one from before this visit while the draft is open", async () => {
  const { keepSeen } = await import("../js/annotations.js");
  const d = (id, seen, version = 3) => ({ draft: { id, version }, seen_version: seen });
  assert.equal(keepSeen(d("a", 1), d("a", 3)).seen_version, 1, "a refresh answers with the version just shown");
  assert.equal(keepSeen(d("a", null, 1), d("a", 1, 2)).seen_version, 1, "never opened, then shown v1: v1 was seen");
  assert.equal(keepSeen(d("a", 2), d("a", null)).seen_version, 2);
  assert.equal(keepSeen(d("a", null), d("a", null)).seen_version, null);
  assert.equal(keepSeen(d("a", 1), d("b", 3)).seen_version, 3, "another draft: its own answer");
  assert.equal(keepSeen(null, d("b", 3)).seen_version, 3);
  const fresh = d("a", 1);
  assert.equal(keepSeen(d("a", 2), fresh), fresh, "unchanged answers are kept as they are");
});

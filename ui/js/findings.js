// The policy guard's findings, made ready for the window: code-point spans turned into the
// string indices JavaScript uses, a body cut into marked and unmarked pieces, and the words
// for badges, summaries, routes and lengths. Pure, so `node --test` imports it directly.
// What is found, and how long a post is, is decided in Rust; nothing here second-guesses it.

import { thousands } from "./format.js";

const RANK = { info: 1, warn: 2, block: 3 };

/** The more serious of severities (null for none or unknown ones). */
export function worstSeverity(severities) {
  let worst = null;
  for (const s of severities) if (RANK[s] && (!worst || RANK[s] > RANK[worst])) worst = s;
  return worst;
}

/**
 * Where each code point of `text` starts in UTF-16 units: entry i is code point i's index
 * in the JS string, and the last entry is `text.length`. Spans from Rust count code points;
 * JS strings count UTF-16 units, so an emoji or any astral character is one code point but
 * two units, and every span after it would land two units short without this table.
 */
export function codePointOffsets(text) {
  const offsets = [];
  let unit = 0;
  for (const ch of String(text ?? "")) {
    offsets.push(unit);
    unit += ch.length;
  }
  offsets.push(unit);
  return offsets;
}

/**
 * A finding's span `{start, end}` (code points, end exclusive) as a UTF-16 range of the
 * text the offsets were built from; clamped to the text; null when there is no span or it
 * covers nothing once clamped (the finding is then listed without a mark).
 */
export function spanToRange(offsets, span) {
  if (!span || !Number.isFinite(span.start) || !Number.isFinite(span.end)) return null;
  const last = offsets.length - 1;
  const start = Math.max(0, Math.min(last, Math.trunc(span.start)));
  const end = Math.max(0, Math.min(last, Math.trunc(span.end)));
  if (end <= start) return null;
  return { start: offsets[start], end: offsets[end] };
}

/** Each finding's UTF-16 range in `text` (null for whole-draft findings), in order. */
export function findingRanges(text, findings) {
  const offsets = codePointOffsets(text);
  return (findings ?? []).map((f) => spanToRange(offsets, f?.span));
}

/**
 * `text` cut into pieces at every edge of every marked range. Each piece is
 * `{text, start, end, findings, severity}`: `findings` lists the indices (into `findings`)
 * of every finding covering it — more than one where spans overlap — and `severity` is
 * the worst of theirs (null for unmarked text). Joined, the pieces are `text` exactly.
 */
export function markSegments(text, findings) {
  const body = String(text ?? "");
  const list = findings ?? [];
  const ranges = findingRanges(body, list);
  const cuts = new Set([0, body.length]);
  for (const r of ranges) {
    if (r) {
      cuts.add(r.start);
      cuts.add(r.end);
    }
  }
  const edges = [...cuts].sort((a, b) => a - b);
  const pieces = [];
  for (let i = 0; i + 1 < edges.length; i += 1) {
    const start = edges[i];
    const end = edges[i + 1];
    const covering = [];
    ranges.forEach((r, index) => {
      if (r && r.start <= start && r.end >= end) covering.push(index);
    });
    pieces.push({
      text: body.slice(start, end),
      start,
      end,
      findings: covering,
      severity: worstSeverity(covering.map((index) => list[index].severity)),
    });
  }
  return pieces;
}

/** The marked text of a finding, shortened for the list ("" for whole-draft findings). */
export function excerpt(text, range, max = 60) {
  if (!range) return "";
  const chars = [...String(text ?? "").slice(range.start, range.end)];
  return chars.length > max ? `${chars.slice(0, max - 1).join("")}…` : chars.join("");
}

/**
 * Findings as the list shows them: the same rule saying the same thing more than once
 * (three guesses about a fire's cause) is one entry with each place it was found, and a
 * rule's reason is shown once, on its first entry. `{indices, finding, showReason}`, in
 * the order the findings came (most serious first).
 */
export function groupFindings(findings) {
  const groups = [];
  const byKey = new Map();
  const reasoned = new Set();
  (findings ?? []).forEach((finding, index) => {
    const key = `${finding?.rule}\u0000${finding?.message}`;
    const known = byKey.get(key);
    if (known) {
      known.indices.push(index);
      return;
    }
    const group = { indices: [index], finding, showReason: !reasoned.has(finding?.rule) };
    reasoned.add(finding?.rule);
    byKey.set(key, group);
    groups.push(group);
  });
  return groups;
}

// The same words as the queue badges.
export const SEVERITY_LABELS = Object.freeze({ block: "Block", warn: "Warn", info: "Info" });

export const CATEGORY_LABELS = Object.freeze({
  personal_data: "Personal data",
  health: "Health",
  confidential: "Confidential",
  contempt: "Contempt",
  crisis: "Crisis",
  network: "Network rules",
});

export function categoryLabel(category) {
  return CATEGORY_LABELS[category] ?? String(category ?? "");
}

const BADGE_WORDS = { block: "blocking", warn: "warning", info: "for information" };

/**
 * The queue badge's accessible label: "2 findings, blocking", "1 finding, warning".
 * Null for a draft with no findings (no badge).
 */
export function badgeLabel(risk, count) {
  if (!BADGE_WORDS[risk]) return null;
  const n = Math.max(1, Number(count) || 0);
  return `${n} ${n === 1 ? "finding" : "findings"}, ${BADGE_WORDS[risk]}`;
}

export function blockingCount(findings) {
  return (findings ?? []).filter((f) => f?.severity === "block").length;
}

/** "2 blocking · 1 warning", "No findings". */
export function findingsSummary(findings) {
  const list = findings ?? [];
  if (list.length === 0) return "No findings";
  const count = (s) => list.filter((f) => f?.severity === s).length;
  const parts = [];
  const block = count("block");
  const warn = count("warn");
  const info = count("info");
  if (block) parts.push(`${block} blocking`);
  if (warn) parts.push(`${warn} ${warn === 1 ? "warning" : "warnings"}`);
  if (info) parts.push(`${info} ${info === 1 ? "note" : "notes"}`);
  return parts.join(" · ");
}

/** The override prompt's question. */
export function overrideTitle(blocking) {
  const n = Math.max(1, Number(blocking) || 0);
  return `Approving over ${n} blocking ${n === 1 ? "finding" : "findings"}: say why`;
}

function stepWords(step) {
  return String(step ?? "").replaceAll("_", " ");
}

function stepList(steps) {
  const names = (steps ?? []).map((s) => stepWords(s?.step ?? s)).filter(Boolean);
  if (names.length <= 1) return names.join("");
  return `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

/**
 * Why the draft needs the steps it needs, when the server routed it other than the
 * channel's usual way; null otherwise. `steps` are the draft's steps (`detail.steps`).
 */
export function routeText(route, steps = []) {
  switch (route?.kind) {
    case "fast_lane": {
      const names = stepList(steps);
      return names
        ? `Fast lane: the guard found nothing, so this channel asks only for ${names} instead of its usual steps.`
        : "Fast lane: the guard found nothing, so this channel's shorter fast lane applies.";
    }
    case "escalated":
      return `The ${stepWords(route.step)} step was added: this channel sends drafts with a blocking finding to ${stepWords(route.step)} as well as its usual steps.`;
    case "pre_approved":
      return `This is the pre-approved reply “${route.reply ?? route.reply_id ?? ""}”: its wording was approved once, so it needs no review.`;
    default:
      return null;
  }
}

/**
 * The post's length as its network counts it (`detail.measure`, from Rust):
 * `{text: "276 / 280 weighted characters", over, title}`; null without a measure.
 */
export function measureText(measure, networkName = "") {
  if (!measure || !Number.isFinite(measure.weighted_length)) return null;
  const n = thousands;
  const hasLimit = Number.isFinite(measure.limit);
  const unit = measure.unit ? ` ${measure.unit}` : "";
  const text = hasLimit ? `${n(measure.weighted_length)} / ${n(measure.limit)}${unit}` : `${n(measure.weighted_length)}${unit}`;
  const over = measure.valid === false;
  const by = hasLimit ? measure.weighted_length - measure.limit : 0;
  const network = networkName || measure.network || "the network";
  const title = over
    ? (by > 0 ? `${n(by)} over ${network}'s limit` : `Over ${network}'s limit`)
    : `Within ${network}'s limit`;
  return { text, over, title };
}

// Pure formatting: relative times, schedules and per-network character counting.
// No DOM here, so `node --test` can import it directly.

const MINUTE = 60 * 1000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Parses an RFC 3339 string (or Date, or epoch ms) to epoch ms; null when absent or invalid. */
export function toMillis(value) {
  if (value === null || value === undefined || value === "") return null;
  const ms = value instanceof Date ? value.getTime() : typeof value === "number" ? value : Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}

/** A short span: "1 min", "40 min", "2 h", "2 h 5 min", "3 days". Rounds down, never below 1 min. */
export function formatSpan(ms) {
  const abs = Math.abs(ms);
  if (abs < HOUR) return `${Math.max(1, Math.floor(abs / MINUTE))} min`;
  if (abs < DAY) {
    const h = Math.floor(abs / HOUR);
    const m = Math.floor((abs % HOUR) / MINUTE);
    return m === 0 || h >= 10 ? `${h} h` : `${h} h ${m} min`;
  }
  const d = Math.floor(abs / DAY);
  return d === 1 ? "1 day" : `${d} days`;
}

/** "just now", "5 min ago", "in 5 min"; "" for a missing time. */
export function relativeTime(value, now) {
  const ms = toMillis(value);
  if (ms === null) return "";
  const delta = ms - now;
  if (Math.abs(delta) < MINUTE) return "just now";
  return delta < 0 ? `${formatSpan(delta)} ago` : `in ${formatSpan(delta)}`;
}

/**
 * When a draft goes out, relative to now.
 * @returns {{text: string, tone: "overdue"|"soon"|"later"|"none"}}
 */
export function scheduleText(scheduledAt, now) {
  const ms = toMillis(scheduledAt);
  if (ms === null) return { text: "unscheduled", tone: "none" };
  const delta = ms - now;
  if (delta < 0) {
    if (-delta < MINUTE) return { text: "publishing now", tone: "soon" };
    return { text: `overdue by ${formatSpan(delta)}`, tone: "overdue" };
  }
  if (delta < MINUTE) return { text: "publishes now", tone: "soon" };
  return { text: `publishes in ${formatSpan(delta)}`, tone: delta <= HOUR ? "soon" : "later" };
}

/** How each network measures a post. */
export const NETWORKS = Object.freeze({
  x: { label: "X", limit: 280, unit: "weighted characters" },
  bluesky: { label: "Bluesky", limit: 300, unit: "graphemes" },
  mastodon: { label: "Mastodon", limit: 500, unit: "characters" },
  threads: { label: "Threads", limit: 500, unit: "characters" },
  linkedin: { label: "LinkedIn", limit: 3000, unit: "characters" },
  instagram: { label: "Instagram", limit: 2200, unit: "characters" },
  facebook: { label: "Facebook", limit: 63206, unit: "characters" },
});

export function networkLabel(network) {
  return NETWORKS[network]?.label ?? String(network ?? "");
}

// Links the way the networks' own counters find them: a scheme or a www. prefix, up to
// whitespace, without trailing sentence punctuation.
const URL_RE = /\b(?:https?:\/\/|www\.)[^\s<>"]+[^\s<>".,;:!?)\]'’”]/giu;
const URL_WEIGHT = 23;

/** The text with every link replaced by a marker, and how many links there were. */
function splitUrls(text) {
  let urls = 0;
  const rest = text.replace(URL_RE, () => {
    urls += 1;
    return "\u0000";
  });
  return { urls, rest };
}

const segmenter = typeof Intl !== "undefined" && Intl.Segmenter
  ? new Intl.Segmenter(undefined, { granularity: "grapheme" })
  : null;

/** User-perceived characters (grapheme clusters). */
export function graphemeLength(text) {
  if (!segmenter) return [...text].length;
  let n = 0;
  for (const _ of segmenter.segment(text)) n += 1;
  return n;
}

function graphemes(text) {
  if (!segmenter) return [...text];
  return Array.from(segmenter.segment(text), (s) => s.segment);
}

const EMOJI_RE = /\p{Extended_Pictographic}|\p{Regional_Indicator}/u;

// twitter-text v3: these code point ranges weigh 1, everything else (CJK, emoji…) 2.
function xCodePointWeight(cp) {
  if (cp <= 0x10ff) return 1;
  if (cp >= 0x2000 && cp <= 0x200d) return 1;
  if (cp >= 0x2010 && cp <= 0x201f) return 1;
  if (cp >= 0x2032 && cp <= 0x2037) return 1;
  return 2;
}

/** X's weighted length: links 23, an emoji (even a ZWJ family) 2, CJK 2, Latin 1. */
export function xWeightedLength(text) {
  const { urls, rest } = splitUrls(text);
  let n = urls * URL_WEIGHT;
  for (const g of graphemes(rest)) {
    if (g === "\u0000") continue;
    if (EMOJI_RE.test(g)) {
      n += 2;
      continue;
    }
    for (const ch of g) n += xCodePointWeight(ch.codePointAt(0));
  }
  return n;
}

/** Mastodon: code points, links count 23, `@user@domain` counts as `@user`. */
export function mastodonLength(text) {
  const { urls, rest } = splitUrls(text);
  const local = rest.replace(/(@[\p{L}\p{N}_]+)@[\p{L}\p{N}.-]+\.[\p{L}]+/gu, "$1");
  return urls * URL_WEIGHT + [...local.replaceAll("\u0000", "")].length;
}

/** Characters as the network counts them. */
export function postLength(network, text) {
  const body = String(text ?? "");
  switch (network) {
    case "x":
      return xWeightedLength(body);
    case "bluesky":
      return graphemeLength(body);
    case "mastodon":
      return mastodonLength(body);
    default:
      return [...body].length;
  }
}

/** @returns {{count: number, limit: number|null, over: boolean, text: string}} */
export function characterCount(network, text) {
  const count = postLength(network, text);
  const limit = NETWORKS[network]?.limit ?? null;
  const over = limit !== null && count > limit;
  const text2 = limit === null ? `${count}` : `${count.toLocaleString("en")} / ${limit.toLocaleString("en")}`;
  return { count, limit, over, text: text2 };
}

/** Initials for an avatar: "Acme Help" → "AH", "@acme_help" → "AC". */
export function initials(name) {
  const words = String(name ?? "").replace(/^[@#]/, "").split(/[\s_.-]+/u).filter(Boolean);
  if (words.length === 0) return "?";
  if (words.length === 1) return [...words[0]].slice(0, 2).join("").toUpperCase();
  return ([...words[0]][0] + [...words[1]][0]).toUpperCase();
}

const VERDICT_WORDS = {
  approve: { done: "Approved", verb: "approved" },
  reject: { done: "Rejected", verb: "rejected" },
  request_changes: { done: "Changes requested", verb: "requested changes" },
};

export function verdictLabel(verdict) {
  return VERDICT_WORDS[verdict]?.done ?? String(verdict ?? "");
}

export function verdictVerb(verdict) {
  return VERDICT_WORDS[verdict]?.verb ?? String(verdict ?? "");
}

/** "legal" → "Legal approval pending"; none → "" */
export function nextStepText(step) {
  if (!step) return "";
  const s = String(step).replaceAll("_", " ");
  return `${s.charAt(0).toUpperCase()}${s.slice(1)} approval pending`;
}

/** "review" → "Review" */
export function stepLabel(step) {
  const s = String(step ?? "").replaceAll("_", " ");
  return `${s.charAt(0).toUpperCase()}${s.slice(1)}`;
}

/**
 * The crisis banner's words for `count` crisis drafts. After a sign-in every crisis draft is
 * new to this device without having just arrived: `waiting` says so.
 */
export function crisisText(count, { waiting = false } = {}) {
  const n = Math.max(1, Number(count) || 1);
  const one = n === 1;
  const headline = waiting
    ? (one ? "A crisis draft is waiting." : `${n} crisis drafts are waiting.`)
    : (one ? "A crisis draft just arrived." : `${n} crisis drafts just arrived.`);
  return { headline, detail: one ? " It is at the top of the queue." : " They are at the top of the queue." };
}

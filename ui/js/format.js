// Pure formatting: relative times, schedules, numbers, network names and verdict words.
// No DOM here, so `node --test` can import it directly.
//
// Numbers, times and names are formatted and ordered here by hand rather than through
// `toLocaleString`, `Intl` or `localeCompare`: those load ICU's collation, number and
// calendar data into the web process (measured: ~3 MiB), for an interface in one language.

const MINUTE = 60 * 1000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Parses an RFC 3339 string (or Date, or epoch ms) to epoch ms; null when absent or invalid. */
export function toMillis(value) {
  if (value === null || value === undefined || value === "") return null;
  const ms = value instanceof Date ? value.getTime() : typeof value === "number" ? value : Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** A count with thousands separated: 10062 → "10,062". Anything not a finite number as given. */
export function thousands(n) {
  const value = Number(n);
  if (!Number.isFinite(value)) return String(n);
  const [whole, fraction] = String(Math.abs(value)).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${value < 0 ? "-" : ""}${grouped}${fraction === undefined ? "" : `.${fraction}`}`;
}

/** A moment in full, in local time: "Fri 4 Dec 2026, 22:10:05"; "" for a missing time. */
export function fullTime(value) {
  const ms = toMillis(value);
  if (ms === null) return "";
  const d = new Date(ms);
  const two = (n) => String(n).padStart(2, "0");
  return `${WEEKDAYS[d.getDay()]} ${d.getDate()} ${MONTHS[d.getMonth()]} ${d.getFullYear()}, ` +
    `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** Orders names case-blind, then exactly (so the order never depends on the machine's locale). */
export function byName(a, b) {
  const x = String(a).toLowerCase();
  const y = String(b).toLowerCase();
  if (x !== y) return x < y ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
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

/** The networks' names, for labels and the filter menu. How long a post may be, and how
 * its length is counted, is decided in Rust (`detail.measure`). */
export const NETWORKS = Object.freeze({
  x: "X",
  bluesky: "Bluesky",
  mastodon: "Mastodon",
  threads: "Threads",
  linkedin: "LinkedIn",
  instagram: "Instagram",
  facebook: "Facebook",
});

export function networkLabel(network) {
  return NETWORKS[network] ?? String(network ?? "");
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

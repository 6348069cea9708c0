// Crisis mode as the banner words it: what the server last confirmed, and how old that is.
// Pure (no DOM), so `node --test` imports it. The state and whether it is stale come from
// the Rust side (`status.crisis`); this only puts them into words.
import { formatSpan, toMillis } from "./format.js";

/** "09:12" in the reviewer's local time; "" for a missing time. */
export function clockTime(value) {
  const ms = toMillis(value);
  if (ms === null) return "";
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

/** "David Chen", "David Chen or Margaret Lewis", "A, B or C". */
export function orList(names) {
  const list = (names ?? []).filter(Boolean);
  if (list.length <= 1) return list.join("");
  return `${list.slice(0, -1).join(", ")} or ${list[list.length - 1]}`;
}

/**
 * The banner's words for `banner` (SyncStatus.crisis), or null when crisis mode is off.
 * @returns {{headline: string, detail: string, speakers: string, asOf: string, stale: boolean, staleText: string} | null}
 */
export function crisisModeWords(banner, { online = null } = {}) {
  if (!banner) return null;
  const channels = banner.all_channels
    ? "every channel"
    : (banner.channels ?? []).map((c) => c.account).join(", ") || "some channels";
  const since = banner.since ? ` since ${clockTime(banner.since)}` : "";
  const by = banner.declared_by ? ` (turned on by ${banner.declared_by})` : "";
  const speakers = [...new Set((banner.channels ?? []).flatMap((c) => c.spokespeople ?? []))];
  const asOfTime = clockTime(banner.confirmed_at);
  const asOf = asOfTime ? `Crisis state as of ${asOfTime}` : "Crisis state not confirmed by the server yet";
  let staleText = "";
  if (banner.stale) {
    const secs = Number(banner.unconfirmed_for_secs);
    const span = !Number.isFinite(secs) || secs <= 0 ? ""
      : secs < 60 ? "less than a minute" : formatSpan(secs * 1000);
    if (!span) staleText = `${asOf} — it may have changed since.`;
    else if (online === false) staleText = `${asOf} — you have been offline for ${span}.`;
    else staleText = `${asOf} — not confirmed by the server for ${span}.`;
  }
  return {
    headline: `Crisis mode: ${banner.reason || "on"}`,
    detail: `On ${channels}${since}${by}.`,
    speakers: speakers.length
      ? `Only spokespeople approve: ${orList(speakers)}.`
      : "Only spokespeople approve, and none is authorised for these channels.",
    asOf,
    stale: Boolean(banner.stale),
    staleText,
  };
}

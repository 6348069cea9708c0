import { test } from "node:test";
import assert from "node:assert/strict";
import { clockTime, crisisModeWords, orList } from "../js/crisis.js";

// Local-time formatting: build the expected times the same way the module does.
const at = (iso) => {
  const d = new Date(iso);
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
};

const banner = {
  reason: "Fire at the Leeds Briggate store",
  since: "2026-12-02T09:05:00Z",
  declared_by: "Priya Raman",
  all_channels: false,
  channels: [
    { name: "care-x", network: "x", account: "@HartwellHelp", spokespeople: ["David Chen", "Margaret Lewis"] },
    { name: "brand-x", network: "x", account: "@HartwellLane", spokespeople: ["David Chen"] },
  ],
  confirmed_at: "2026-12-02T09:12:00Z",
  stale: false,
  unconfirmed_for_secs: 30,
};

test("the banner says what is on, since when, who may approve and as of when", () => {
  const w = crisisModeWords(banner, { online: true });
  assert.equal(w.headline, "Crisis mode: Fire at the Leeds Briggate store");
  assert.equal(w.detail, `On @HartwellHelp, @HartwellLane since ${at(banner.since)} (turned on by Priya Raman).`);
  assert.equal(w.speakers, "Only spokespeople approve: David Chen or Margaret Lewis.");
  assert.equal(w.asOf, `Crisis state as of ${at(banner.confirmed_at)}`);
  assert.equal(w.stale, false);
  assert.equal(w.staleText, "");
});

test("a stale state says how long the reviewer has been offline", () => {
  const stale = { ...banner, stale: true, unconfirmed_for_secs: 3 * 3600 };
  assert.equal(
    crisisModeWords(stale, { online: false }).staleText,
    `Crisis state as of ${at(banner.confirmed_at)} — you have been offline for 3 h.`,
  );
  assert.equal(
    crisisModeWords(stale, { online: true }).staleText,
    `Crisis state as of ${at(banner.confirmed_at)} — not confirmed by the server for 3 h.`,
  );
  assert.match(
    crisisModeWords({ ...stale, unconfirmed_for_secs: 20 }, { online: false }).staleText,
    /offline for less than a minute\.$/,
  );
  const never = crisisModeWords({ ...banner, confirmed_at: null, stale: true, unconfirmed_for_secs: null });
  assert.match(never.staleText, /not confirmed by the server yet — it may have changed/);
});

test("off is no banner; every channel and nobody authorised are said plainly", () => {
  assert.equal(crisisModeWords(null), null);
  const all = crisisModeWords({ ...banner, all_channels: true, channels: [] });
  assert.match(all.detail, /^On every channel/);
  assert.match(all.speakers, /none is authorised/);
});

test("names join with commas and a final or; times are hh:mm", () => {
  assert.equal(orList([]), "");
  assert.equal(orList(["A"]), "A");
  assert.equal(orList(["A", "B", "C"]), "A, B or C");
  assert.equal(clockTime(null), "");
  assert.match(clockTime("2026-12-02T09:12:00Z"), /^\d\d:\d\d$/);
});

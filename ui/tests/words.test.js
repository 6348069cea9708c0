// The words views show for backend codes and states (pure helpers exported by the views).
import { test } from "node:test";
import assert from "node:assert/strict";
import { conflictsText, newerStatus, statusWords } from "../js/views/status.js";
import { conflictReasonText } from "../js/views/conflicts.js";
import { signedOutText, signinErrorText } from "../js/views/signin.js";
import { toError } from "../js/backend.js";

const NOW = Date.parse("2024-05-01T12:00:00Z");
const base = { user: null, server_url: "https://c.example", online: true, pending: 0, conflicts: 0, last_synced_at: "2024-05-01T11:58:00Z", last_error: null };

test("status line words", () => {
  const cases = [
    [{}, {}, "Online", "synced 2 min ago", "all synced"],
    [{ pending: 2 }, {}, "Online", "synced 2 min ago", "2 waiting to sync"],
    [{ online: false, pending: 2, last_error: "connection refused" }, {}, "Offline", "connection refused", "2 waiting to sync"],
    [{ online: null, last_synced_at: null }, {}, "Connecting…", "not synced yet", "all synced"],
    [{ pending: 1 }, { syncing: true }, "Syncing…", "", "1 waiting to sync"],
    [{ pending: 1, last_error: "the server at https://c.example answered the request for changes with something Countersign cannot read" }, {},
      "Sync failed", "the server at https://c.example answered the request for changes with something Countersign cannot read", "1 waiting to sync"],
  ];
  for (const [over, opts, state, detail, pendingText] of cases) {
    const w = statusWords({ ...base, ...over }, { now: NOW, ...opts });
    assert.deepEqual([w.state, w.detail, w.pendingText], [state, detail, pendingText], JSON.stringify(over));
  }
  assert.doesNotMatch(statusWords(base).pendingText, /waiting/, "with nothing pending the word 'waiting' disappears");
});

test("conflicts counter has a digit only when there are conflicts", () => {
  assert.equal(conflictsText(0), "No conflicts");
  assert.equal(conflictsText(1), "1 conflict");
  assert.equal(conflictsText(3), "3 conflicts");
});

test("conflict reasons in words; forbidden and invalid show the server's message", () => {
  const cases = [
    [{ status: "conflict", reason: "stale_version" }, "The author edited the draft after you decided"],
    [{ status: "conflict", reason: "already_decided" }, "Someone else decided first"],
    [{ status: "conflict", reason: "withdrawn" }, "The author withdrew it"],
    [{ status: "forbidden", reason: null, message: "crisis mode: only spokespeople may approve" }, "crisis mode: only spokespeople may approve"],
    [{ status: "invalid", reason: null, message: "bad version" }, "bad version"],
    [{ status: "forbidden", reason: null, message: null }, "You may not decide on this draft."],
  ];
  for (const [c, want] of cases) assert.equal(conflictReasonText(c), want);
});

test("sign-in errors by code, never by message", () => {
  assert.match(signinErrorText({ code: "bad_credentials", message: "x" }), /username, password or code is not right/);
  assert.match(signinErrorText({ code: "offline", message: "x" }, "https://c.example"), /Cannot reach the server at https:\/\/c\.example/);
  assert.equal(signinErrorText({ code: "invalid", message: "the server address is not a URL" }), "the server address is not a URL");
  assert.equal(signedOutText("user"), "");
  assert.match(signedOutText("session_revoked"), /erased/);
  assert.equal(signedOutText("something new"), "something new");
  assert.equal(
    signedOutText("lease_expired", "you have been offline for more than 14 days: sign in again"),
    "You have been offline for more than 14 days: sign in again",
  );
  assert.match(signedOutText("lease_expired"), /offline too long/);
});

test("backend errors always come out as {code, message}", () => {
  assert.deepEqual(toError({ code: "offline", message: "offline: refused" }), { code: "offline", message: "offline: refused" });
  assert.deepEqual(toError("boom"), { code: "unknown", message: "boom" });
  assert.deepEqual(toError(new Error("bad")), { code: "unknown", message: "bad" });
});

test("an older status never replaces a newer one", () => {
  const synced = { seq: 7, last_synced_at: "2026-11-25T09:00:00Z" };
  const stale = { seq: 5, last_synced_at: null };
  assert.equal(newerStatus(synced, stale), synced);
  assert.equal(newerStatus(stale, synced), synced);
  assert.equal(newerStatus(null, stale), stale);
  assert.equal(newerStatus(synced, null), synced);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { accessRows } from "../js/views/access.js";

const NOW = Date.parse("2026-12-02T12:00:00Z");

test("each account is one row of plain words", () => {
  const rows = accessRows([
    {
      username: "brightside.agency", display_name: "Brightside Agency (external)", roles: ["author"],
      teams: ["Brand & Campaigns"], channels: ["brand-instagram", "brand-x"], channels_limited: true,
      steps: [], two_factor: { enrolled: false, required: true }, last_sign_in_at: null,
      live_sessions: 0, disabled: false,
    },
    {
      username: "tom.reid", display_name: "Tom Reid", roles: ["reviewer"], teams: ["Customer Care"],
      channels: ["care-x", "care-facebook"], channels_limited: false, steps: ["review"],
      two_factor: { enrolled: true, required: true }, last_sign_in_at: "2026-12-02T11:00:00Z",
      live_sessions: 2, disabled: true,
    },
  ], NOW);
  assert.deepEqual(rows[0], [
    "brightside.agency", "Brightside Agency (external)", "author", "Brand & Campaigns",
    "only brand-instagram, brand-x", "—", "required, not enrolled", "never", "0", "active",
  ]);
  assert.deepEqual(rows[1].slice(4), ["2 (all of their teams')", "review", "on", "1 h ago", "2", "disabled"]);
  assert.deepEqual(accessRows(null, NOW), []);
});

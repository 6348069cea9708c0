// The status line: connection, outbox, conflicts, the signed-in user.
import { h } from "../dom.js";
import { relativeTime } from "../format.js";

/** The words for a SyncStatus. Pure, so it is tested. */
export function statusWords(status, { syncing = false, now = Date.now() } = {}) {
  const pending = Number(status?.pending ?? 0);
  const pendingText = pending > 0 ? `${pending} waiting to sync` : "nothing waiting";
  if (syncing) return { tone: "syncing", state: "Syncing…", detail: "", pendingText, pending };
  if (status?.online === false) {
    return { tone: "offline", state: "Offline", detail: status.last_error ?? "", pendingText, pending };
  }
  const synced = status?.last_synced_at ? `synced ${relativeTime(status.last_synced_at, now)}` : "not synced yet";
  if (status?.online === true) return { tone: "online", state: "Online", detail: synced, pendingText, pending };
  return { tone: "unknown", state: "Connecting…", detail: synced, pendingText, pending };
}

export function renderStatus(root, { status, syncing, now, userName }) {
  const w = statusWords(status, { syncing, now });
  const conflicts = Number(status?.conflicts ?? 0);
  root.dataset.tone = w.tone;
  root.replaceChildren(
    h("div", { class: "status-left" },
      h("span", { class: `dot dot-${w.tone}`, "aria-hidden": "true" }),
      h("span", { class: "status-state", testid: "status-state", title: w.tone === "offline" ? w.detail : "" }, w.state),
      w.tone === "offline"
        ? h("span", { class: "sep" }, "—")
        : (w.detail ? [h("span", { class: "sep" }, "·"), h("span", { class: "status-detail" }, w.detail), h("span", { class: "sep" }, "·")] : h("span", { class: "sep" }, "·")),
      h("span", { class: ["status-pending", w.pending > 0 && "has-pending"], testid: "status-pending" }, w.pendingText)),
    h("div", { class: "status-right" },
      h("button", {
        type: "button", class: ["link-button", "conflicts-button", conflicts > 0 && "has-conflicts"],
        dataset: { action: "conflicts" }, testid: "conflicts-open",
      }, conflicts === 1 ? "1 conflict" : conflicts > 0 ? `${conflicts} conflicts` : "No conflicts"),
      userName ? h("span", { class: "status-user", title: status?.server_url ?? "" }, userName) : null,
      h("button", {
        type: "button", class: "button small", dataset: { action: "sync" }, testid: "sync-now",
        disabled: syncing, "aria-keyshortcuts": "s",
      }, syncing ? "Syncing…" : "Sync now")));
}

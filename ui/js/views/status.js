// The status line: connection, outbox, conflicts, the signed-in user. Built once and
// updated in place, so its elements keep their identity (screen readers and end-to-end
// tests hold on to them).
import { h } from "../dom.js";
import { relativeTime } from "../format.js";

/**
 * The status to show: `incoming` unless it is older than `current`. Statuses arrive both as
 * command answers and as events, which can overtake each other; `seq` orders them.
 */
export function newerStatus(current, incoming) {
  if (!incoming) return current;
  if (current && Number(incoming.seq) < Number(current.seq)) return current;
  return incoming;
}

/** The words for a SyncStatus. Pure, so it is tested. */
export function statusWords(status, { syncing = false, now = Date.now() } = {}) {
  const pending = Number(status?.pending ?? 0);
  const pendingText = pending > 0 ? `${pending} waiting to sync` : "all synced";
  if (syncing) return { tone: "syncing", state: "Syncing…", detail: "", pendingText, pending };
  if (status?.online === false) {
    return { tone: "offline", state: "Offline", detail: status.last_error ?? "", pendingText, pending };
  }
  // Reached, but the last sync failed (the server refused it or answered something that is
  // not the protocol): say so, or the line would read "Online" over an old sync.
  if (status?.online === true && status.last_error) {
    return { tone: "error", state: "Sync failed", detail: status.last_error, pendingText, pending };
  }
  const synced = status?.last_synced_at ? `synced ${relativeTime(status.last_synced_at, now)}` : "not synced yet";
  if (status?.online === true) return { tone: "online", state: "Online", detail: synced, pendingText, pending };
  return { tone: "unknown", state: "Connecting…", detail: synced, pendingText, pending };
}

export function conflictsText(count) {
  if (count === 1) return "1 conflict";
  return count > 0 ? `${count} conflicts` : "No conflicts";
}

const built = new WeakMap();

function build(root) {
  const parts = {
    dot: h("span", { class: "dot", "aria-hidden": "true" }),
    state: h("span", { class: "status-state", testid: "status-state" }),
    sep1: h("span", { class: "sep" }),
    detail: h("span", { class: "status-detail" }),
    sep2: h("span", { class: "sep" }, "·"),
    pending: h("span", { class: "status-pending", testid: "status-pending", "aria-live": "polite" }),
    conflicts: h("button", { type: "button", class: "link-button conflicts-button", dataset: { action: "conflicts" }, testid: "conflicts-open" }),
    user: h("span", { class: "status-user" }),
    sync: h("button", { type: "button", class: "button small", dataset: { action: "sync" }, testid: "sync-now", "aria-keyshortcuts": "s" }),
  };
  root.replaceChildren(
    h("div", { class: "status-left" }, parts.dot, parts.state, parts.sep1, parts.detail, parts.sep2, parts.pending),
    h("div", { class: "status-right" }, parts.conflicts, parts.user, parts.sync));
  built.set(root, parts);
  return parts;
}

export function renderStatus(root, { status, syncing, now, userName }) {
  const p = built.get(root) ?? build(root);
  const w = statusWords(status, { syncing, now });
  const conflicts = Number(status?.conflicts ?? 0);
  const offline = w.tone === "offline";
  root.dataset.tone = w.tone;
  p.dot.className = `dot dot-${w.tone}`;
  p.state.textContent = w.state;
  p.state.title = offline ? w.detail : "";
  p.sep1.textContent = offline ? "—" : "·";
  p.detail.textContent = offline ? "" : w.detail;
  p.detail.title = w.tone === "error" ? w.detail : "";
  p.detail.hidden = offline || !w.detail;
  p.sep2.hidden = offline || !w.detail;
  p.pending.textContent = w.pendingText;
  p.pending.classList.toggle("has-pending", w.pending > 0);
  p.conflicts.textContent = conflictsText(conflicts);
  p.conflicts.classList.toggle("has-conflicts", conflicts > 0);
  p.user.textContent = userName ?? "";
  p.user.title = status?.server_url ?? "";
  p.user.hidden = !userName;
  p.sync.disabled = Boolean(syncing);
  p.sync.textContent = syncing ? "Syncing…" : "Sync now";
}

// The administrator's Access view: who has access to what (read-only, from the server), and
// crisis mode on or off. Online only: both ask the server, never the local cache.
import { h } from "../dom.js";
import { relativeTime } from "../format.js";

/** The table's rows for AccessEntry[]: one array of cell strings per account. Pure. */
export function accessRows(entries, now) {
  return (entries ?? []).map((e) => [
    e.username,
    e.display_name,
    (e.roles ?? []).join(", "),
    (e.teams ?? []).join(", ") || "—",
    e.channels_limited
      ? `only ${(e.channels ?? []).join(", ") || "none"}`
      : (e.roles ?? []).includes("admin")
        ? `all ${(e.channels ?? []).length}`
        : `${(e.channels ?? []).length} (all of their teams')`,
    (e.steps ?? []).join(", ") || "—",
    e.two_factor?.enrolled ? "on" : e.two_factor?.required ? "required, not enrolled" : "off",
    e.last_sign_in_at ? relativeTime(e.last_sign_in_at, now) : "never",
    String(e.live_sessions ?? 0),
    e.disabled ? "disabled" : "active",
  ]);
}

const HEADINGS = ["Account", "Name", "Roles", "Teams", "Channels", "Steps", "2FA", "Last sign-in", "Sessions", "Status"];

function crisisControls({ crisis, online, channels, busy, error }) {
  const offline = online === false;
  const note = offline
    ? h("p", { class: "muted", testid: "access-offline" }, "Offline: crisis mode can only be changed while the server can be reached.")
    : null;
  if (crisis) {
    return h("section", { class: "access-crisis on", "aria-label": "Crisis mode" },
      h("h3", {}, "Crisis mode is on"),
      h("p", {}, crisis.reason),
      note,
      error ? h("p", { class: "form-error", role: "alert" }, error) : null,
      h("div", { class: "panel-actions" },
        h("button", {
          type: "button", class: "button", dataset: { action: "crisis-off" }, testid: "crisis-off",
          disabled: offline || busy,
        }, busy ? "Turning off…" : "Turn crisis mode off")));
  }
  return h("form", { class: "access-crisis", dataset: { crisisForm: "on" }, testid: "crisis-form", "aria-label": "Crisis mode" },
    h("h3", {}, "Crisis mode is off"),
    h("p", { class: "muted" }, "Turning it on makes every draft on the chosen channels a crisis draft that only spokespeople approve, and holds approved posts that are due later."),
    h("label", { class: "field" }, h("span", {}, "Reason (everyone sees it)"),
      h("input", { type: "text", name: "reason", required: true, testid: "crisis-reason", disabled: offline || busy, autocomplete: "off" })),
    h("fieldset", { class: "access-channels" },
      h("legend", {}, "Channels (none ticked: every channel)"),
      channels.map((name) => h("label", { class: "check" },
        h("input", { type: "checkbox", name: "channel", value: name, disabled: offline || busy }), name))),
    note,
    error ? h("p", { class: "form-error", role: "alert" }, error) : null,
    h("div", { class: "panel-actions" },
      h("button", { type: "submit", class: "button danger", testid: "crisis-on", disabled: offline || busy },
        busy ? "Turning on…" : "Turn crisis mode on")));
}

/**
 * Fills the Access panel.
 * @param {HTMLElement} panel
 * @param {{entries: object[]|null, loadError: string, crisis: object|null, online: boolean|null, busy: boolean, error: string, now: number}} view
 */
export function renderAccess(panel, { entries, loadError, crisis, online, busy, error, now }) {
  const channels = [...new Set((entries ?? []).flatMap((e) => e.channels ?? []))].sort();
  const body = loadError
    ? h("p", { class: "form-error", role: "alert", testid: "access-error" }, loadError)
    : entries === null
      ? h("p", { class: "muted" }, "Loading who has access to what…")
      : h("div", { class: "access-table-wrap", tabindex: "0", role: "region", "aria-label": "Who has access to what" },
        h("table", { class: "access-table", testid: "access-table" },
          h("thead", {}, h("tr", {}, HEADINGS.map((t) => h("th", { scope: "col" }, t)))),
          h("tbody", {}, accessRows(entries, now).map((cells, i) => h("tr", {
            class: [entries[i].disabled && "disabled", entries[i].two_factor?.required && !entries[i].two_factor?.enrolled && "needs-2fa"],
            dataset: { username: entries[i].username },
          }, cells.map((c) => h("td", {}, c)))))));
  panel.replaceChildren(
    h("header", { class: "panel-head" },
      h("h2", { id: "access-title" }, "Who has access to what"),
      h("button", { type: "button", class: "icon-button", dataset: { action: "close-overlay" }, "aria-label": "Close" }, "×")),
    crisisControls({ crisis, online, channels, busy, error }),
    body);
}

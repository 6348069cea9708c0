// The keyboard help overlay.
import { h } from "../dom.js";
import { KEY_HELP } from "../keys.js";

export function renderHelp(panel) {
  panel.replaceChildren(
    h("header", { class: "panel-head" },
      h("h2", { id: "help-title" }, "Keyboard shortcuts"),
      h("button", { type: "button", class: "icon-button", dataset: { action: "close-overlay" }, "aria-label": "Close" }, "×")),
    h("dl", { class: "key-list" }, KEY_HELP.map(({ keys, action }) => [
      h("dt", {}, keys.map((k, i) => [i ? h("span", { class: "muted" }, " or ") : null, h("kbd", {}, k)])),
      h("dd", {}, action),
    ])));
}

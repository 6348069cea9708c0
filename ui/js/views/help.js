// The keyboard help overlay, rendered from the action table (actions.js): every key the
// window answers to is listed, nothing copied by hand.
import { h } from "../dom.js";
import { helpSections } from "../actions.js";

export function renderHelp(panel, sections = helpSections()) {
  panel.replaceChildren(
    h("header", { class: "panel-head" },
      h("h2", { id: "help-title" }, "Keyboard shortcuts"),
      h("button", { type: "button", class: "icon-button", dataset: { action: "close-overlay" }, "aria-label": "Close" }, "×")),
    h("div", { class: "key-groups" }, sections.map(({ title, entries }) => h("section", { class: "key-group", "aria-label": title },
      h("h3", { class: "key-group-title" }, title),
      h("dl", { class: "key-list", testid: "key-list" }, entries.map(({ name, keys, label }) => [
        h("dt", { dataset: { action: name } }, keys.map((k, i) => [i ? h("span", { class: "muted" }, " or ") : null, h("kbd", {}, k)])),
        h("dd", {}, label),
      ]))))));
}

// The crisis-mode banner: on while the server says crisis mode covers one of the reviewer's
// channels, with what it is, who may approve, and when the server last confirmed it. Built
// once and updated in place (end-to-end tests and screen readers hold on to its parts).
import { h } from "../dom.js";
import { crisisModeWords } from "../crisis.js";

const built = new WeakMap();

function build(root) {
  const parts = {
    headline: h("strong", { class: "crisis-mode-headline", testid: "crisis-mode-headline" }),
    detail: h("span", { class: "crisis-mode-detail" }),
    speakers: h("span", { class: "crisis-mode-speakers", testid: "crisis-mode-speakers" }),
    asOf: h("span", { class: "crisis-mode-as-of", testid: "crisis-mode-as-of" }),
  };
  root.replaceChildren(
    h("span", { class: "crisis-mode-mark", "aria-hidden": "true" }, "!"),
    h("div", { class: "crisis-mode-text" }, parts.headline, parts.detail, parts.speakers),
    parts.asOf);
  built.set(root, parts);
  return parts;
}

/** Shows `status.crisis`, or hides the banner when crisis mode is off. */
export function renderCrisisMode(root, status) {
  const words = crisisModeWords(status?.crisis ?? null, { online: status?.online ?? null });
  if (!words) {
    root.hidden = true;
    return;
  }
  const p = built.get(root) ?? build(root);
  p.headline.textContent = words.headline;
  p.detail.textContent = words.detail;
  p.speakers.textContent = words.speakers;
  p.asOf.textContent = words.stale ? words.staleText : words.asOf;
  root.classList.toggle("stale", words.stale);
  root.dataset.stale = String(words.stale);
  root.hidden = false;
}

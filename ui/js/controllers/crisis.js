// The crisis banner: crisis drafts just arrived; show them or dismiss it.
import { h } from "../dom.js";
import { crisisText } from "../format.js";

export function createCrisisController(app) {
  const { els } = app;
  let timer = 0;

  function flash(count) {
    const { headline, detail } = crisisText(count, { waiting: app.state.awaitingFirstSync });
    els.crisis.replaceChildren(
      h("strong", {}, headline),
      h("span", {}, detail),
      h("button", { type: "button", class: "link-button", dataset: { action: "crisis-show" } }, "Show crisis drafts"),
      h("button", { type: "button", class: "icon-button", dataset: { action: "crisis-dismiss" }, "aria-label": "Dismiss" }, "×"));
    els.crisis.hidden = false;
    els.crisis.classList.remove("flash");
    void els.crisis.offsetWidth; // restart the animation
    els.crisis.classList.add("flash");
    clearTimeout(timer);
    timer = setTimeout(dismiss, 20000);
  }

  function dismiss() {
    els.crisis.hidden = true;
  }

  function showCrisisDrafts() {
    dismiss();
    app.queue.filterBy({ type: "crisis-shown" });
  }

  return { flash, dismiss, showCrisisDrafts };
}

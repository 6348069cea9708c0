// The queue: a virtual list. Only the rows in view exist in the DOM, absolutely
// positioned inside a spacer as tall as the whole list.
import { h } from "../dom.js";
import { SEVERITY_LABELS, badgeLabel } from "../findings.js";
import { networkLabel, scheduleText, verdictLabel } from "../format.js";
import { absoluteIndex, rowState } from "../queue-state.js";
import { markPieces, previewLine } from "../search.js";
import { scrollToReveal, visibleWindow, rowTop } from "../virtual.js";
import { lateBadge, lateSpan } from "./schedule.js";

export const ROW_HEIGHT = 84;

/** Rows in the whole queue: the loaded page may be only part of it. */
function count(state) {
  return Math.max(Number(state.total) || 0, (state.offset ?? 0) + state.items.length);
}

function urgencyBadge(urgency) {
  if (urgency !== "crisis" && urgency !== "urgent") return null;
  return h("span", { class: `badge badge-${urgency}` }, urgency === "crisis" ? "Crisis" : "Urgent");
}


/** What the guard found: a badge for block and warn, a quiet one for info, "checking" before it looked. */
function riskBadge(item) {
  if (item.pre_approved_reply) {
    const label = `Pre-approved reply “${item.pre_approved_reply}”: approved without review`;
    return h("span", { class: "risk risk-pre", role: "img", "aria-label": label, title: label, testid: "risk-badge", dataset: { risk: "pre" } },
      h("span", { "aria-hidden": "true" }, `Pre-approved · ${item.pre_approved_reply}`));
  }
  if (item.reviewed === false) {
    return h("span", { class: "risk risk-unreviewed", testid: "risk-badge", dataset: { risk: "unreviewed" }, title: "The policy guard has not checked this version yet" }, "checking…");
  }
  const label = badgeLabel(item.risk, item.findings);
  if (!label) return null;
  return h("span", {
    class: `risk risk-${item.risk}`, role: "img", "aria-label": label, title: label,
    testid: "risk-badge", dataset: { risk: item.risk },
  }, h("span", { "aria-hidden": "true" }, `${SEVERITY_LABELS[item.risk]} ${Math.max(1, Number(item.findings) || 0)}`));
}

function stateMark(item) {
  const state = rowState(item);
  if (state === "pending") return null;
  const verdict = item.local.verdict;
  return h("span", { class: `mark mark-${verdict}` },
    h("span", { class: "mark-verdict" }, verdictLabel(verdict)),
    state === "decided-unsynced" ? h("span", { class: "mark-unsynced", title: "Saved here; the server has not confirmed it yet" }, "not yet synced")
      : state === "decided-saving" ? h("span", { class: "mark-unsynced", title: "Being saved on this computer" }, "saving…")
      : null);
}

/**
 * `text` with the code-point `spans` Rust found wrapped in <mark>: text nodes only, so
 * whatever a draft says stays text.
 */
export function marked(text, spans) {
  if (!spans?.length) return [text ?? ""];
  return markPieces(text, spans).map((p) => (p.mark ? h("mark", {}, p.text) : p.text));
}

function row(item, index, selected, now, checked = false) {
  const m = item.matches ?? {};
  const line = previewLine(item);
  const state = rowState(item);
  const when = scheduleText(item.scheduled_at, now);
  const el = h("div", {
    class: ["queue-row", `urgency-${item.urgency}`, selected && "selected", state !== "pending" && "decided", checked && "checked"],
    role: "option",
    "aria-selected": selected ? "true" : "false",
    id: `row-${index}`,
    testid: "queue-row",
    dataset: { id: item.id, state, index, checked: checked ? "true" : null },
  },
  // Picked for a bulk approval (`x`).
  checked ? h("span", { class: "row-check", testid: "row-check", role: "img", "aria-label": "Selected" }, "✓") : null,
  h("div", { class: "row-line row-top" },
    urgencyBadge(item.urgency),
    // The rules' answer (Rust, at the time the queue was read): an approval now is late.
    Number(item.late_by_secs) > 0 ? lateBadge(`Due ${lateSpan(item.late_by_secs)} ago: an approval now is marked late`) : null,
    h("span", { class: "row-network" }, networkLabel(item.network)),
    h("span", { class: "row-channel" }, ...marked(item.channel, m.channel)),
    h("span", { class: `row-when when-${when.tone}` }, when.text)),
  h("div", { class: "row-line row-preview" }, line.prefix || null, ...marked(line.text, line.spans)),
  h("div", { class: "row-line row-bottom" },
    riskBadge(item),
    h("span", { class: "row-author" }, ...marked(item.author, m.author)),
    stateMark(item)));
  el.style.top = `${rowTop(index, ROW_HEIGHT)}px`;
  return el;
}

/**
 * The rows drawn are those loaded (`state.items`, from row `state.offset`) that are in view;
 * the spacer is as tall as the whole queue (`state.total`). After each paint `onWindow(start,
 * end)` says which rows are in view, so the controller can fetch their page.
 * @param {{scroller: HTMLElement, spacer: HTMLElement, empty: HTMLElement, onSelect: (id: string) => void,
 *   onWindow?: (start: number, end: number) => void}} parts
 */
export function createQueueView({ scroller, spacer, empty, onSelect, onWindow = () => {} }) {
  let state = null;
  let now = Date.now();
  let checked = new Set();
  let frame = 0;

  function paint() {
    frame = 0;
    if (!state) return;
    const sel = absoluteIndex(state);
    const offset = state.offset ?? 0;
    const win = visibleWindow({
      scrollTop: scroller.scrollTop,
      viewportHeight: scroller.clientHeight,
      rowHeight: ROW_HEIGHT,
      count: count(state),
    });
    spacer.style.height = `${win.totalHeight}px`;
    const rows = [];
    let selectedDrawn = false;
    for (let i = win.start; i < win.end; i += 1) {
      const item = state.items[i - offset];
      if (!item) continue; // its page is on its way
      if (i === sel) selectedDrawn = true;
      rows.push(row(item, i, i === sel, now, checked.has(item.id)));
    }
    spacer.replaceChildren(...rows);
    if (selectedDrawn) scroller.setAttribute("aria-activedescendant", `row-${sel}`);
    else scroller.removeAttribute("aria-activedescendant");
    onWindow(win.start, win.end);
  }

  scroller.addEventListener("scroll", () => {
    if (!frame) frame = requestAnimationFrame(paint);
  }, { passive: true });
  new ResizeObserver(() => paint()).observe(scroller);
  scroller.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target.closest(".queue-row") : null;
    if (target?.dataset.id) onSelect(target.dataset.id);
  });

  return {
    /** Draws the state; with `reveal`, scrolls so the selected row is in view. */
    render(next, { reveal = false, at = Date.now(), emptyText = "", checked: picked = new Set() } = {}) {
      state = next;
      checked = picked;
      now = at;
      empty.textContent = emptyText;
      empty.hidden = count(next) > 0;
      scroller.hidden = count(next) === 0;
      if (reveal) {
        const index = absoluteIndex(next);
        if (index >= 0) {
          const top = scrollToReveal({
            index, scrollTop: scroller.scrollTop, viewportHeight: scroller.clientHeight, rowHeight: ROW_HEIGHT,
          });
          if (top !== scroller.scrollTop) scroller.scrollTop = top;
        }
      }
      paint();
    },
  };
}

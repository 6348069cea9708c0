// The queue pane and its filters: fetching rows, drawing them, moving the selection.
import { $, h } from "../dom.js";
import { NETWORKS } from "../format.js";
import { channelOptions, filterArgs, hasFilter, listsPreApproved, titleText, toReviewCount } from "../queue-state.js";
import { createQueueView } from "../views/queue.js";

export function createQueueController(app) {
  const { els, backend } = app;
  let fetching = null; // the fetch in flight; calls meanwhile fold into one more
  let dirty = false;

  const view = createQueueView({
    scroller: els.queue,
    spacer: $("#queue-spacer"),
    empty: $("#queue-empty"),
    onSelect: (id) => {
      app.apply({ type: "selected", id });
      render();
      app.draft.loadDetail();
    },
  });

  /** What the title bar counts: the whole queue, not the filtered rows. */
  function reviewCount() {
    const { queue, allItems } = app.state;
    return toReviewCount(allItems ?? queue.items, queue.optimistic);
  }

  function render({ reveal = false } = {}) {
    const qs = app.state.queue;
    view.render(qs, {
      reveal,
      checked: app.bulk.checkedSet(),
      at: Date.now(),
      emptyText: listsPreApproved(qs.filter)
        ? "No pre-approved replies went out without review."
        : hasFilter(qs.filter)
        ? "No drafts match these filters."
        : "Nothing to review. New drafts appear here as they arrive.",
    });
    const toReview = toReviewCount(qs.items, qs.optimistic);
    const decided = qs.items.length - toReview;
    els.queueTitle.textContent = listsPreApproved(qs.filter) ? "Pre-approved replies" : "To review";
    els.queueCount.textContent = listsPreApproved(qs.filter)
      ? `${qs.items.length} approved without review`
      : decided > 0 ? `${toReview} to review · ${decided} decided` : `${toReview} to review`;
    backend.setTitle(titleText(reviewCount()));
  }

  /** Refetches the queue; calls made while one is in flight are folded into one more fetch. */
  async function refresh({ reveal = false } = {}) {
    if (fetching) {
      dirty = true;
      return fetching;
    }
    fetching = (async () => {
      do {
        dirty = false;
        const filter = app.state.queue.filter;
        try {
          const [items, all] = await Promise.all([
            backend.queue(filterArgs(filter)),
            hasFilter(filter) ? backend.queue({}) : null,
          ]);
          if (!app.state.user) return;
          const before = app.state.queue.selectedId;
          const { queue, detail } = app.apply({ type: "queue-loaded", items, all });
          renderFilters();
          render({ reveal });
          if (queue.selectedId !== before || !detail || detail.draft.id !== queue.selectedId) app.draft.loadDetail();
          else app.draft.refreshQuietly();
        } catch (e) {
          app.report(e, "Could not load the queue");
          return;
        }
      } while (dirty);
    })();
    try {
      await fetching;
    } finally {
      fetching = null;
    }
  }

  function moveBy(how) {
    app.apply({ type: "moved", how });
    render({ reveal: true });
    app.draft.scheduleDetail();
  }

  /** Selects `draftId` if it is a row; returns whether it is. */
  function reveal(draftId) {
    if (!app.state.queue.items.some((i) => i.id === draftId)) return false;
    app.apply({ type: "selected", id: draftId });
    render({ reveal: true });
    return true;
  }

  // ---- filters ----

  function setOptions(select, options, value) {
    const key = JSON.stringify(options);
    if (select.dataset.options !== key) {
      select.replaceChildren(...options.map(([v, label]) => h("option", { value: v }, label)));
      select.dataset.options = key;
    }
    select.value = value;
  }

  function renderFilters() {
    const { queue, allItems } = app.state;
    const f = queue.filter;
    setOptions(els.network, [["", "All networks"], ...Object.entries(NETWORKS)], f.network);
    const channels = channelOptions(allItems ?? queue.items, f.network);
    if (f.channel && !channels.includes(f.channel)) channels.unshift(f.channel);
    setOptions(els.channel, [["", "All channels"], ...channels.map((c) => [c, c])], f.channel);
    setOptions(els.urgency, [["", "Any urgency"], ["crisis", "Crisis"], ["urgent", "Urgent"], ["normal", "Normal"]], f.urgency);
    setOptions(els.findings, [
      ["", "Any findings"], ["has", "Has findings"], ["none", "No findings"],
      ["pre", "Pre-approved replies"],
    ], f.findings);
    els.clearFilters.hidden = !hasFilter(f);
    for (const s of [els.network, els.channel, els.urgency, els.findings]) s.classList.toggle("active", Boolean(s.value));
  }

  /** Applies a filter event ("filter-set", "filter-cleared", "crisis-shown") and refetches. */
  function filterBy(event) {
    app.apply(event);
    renderFilters();
    return refresh({ reveal: true });
  }

  els.filters.addEventListener("change", (event) => {
    const target = event.target;
    if (!(target instanceof HTMLSelectElement)) return;
    filterBy({ type: "filter-set", key: target.name, value: target.value });
  });
  els.filters.addEventListener("submit", (event) => event.preventDefault());

  return {
    render,
    refresh,
    moveBy,
    reveal,
    renderFilters,
    filterBy,
    clearFilters: () => filterBy({ type: "filter-cleared" }),
    focusFilters: () => els.network.focus(),
    focus: () => els.queue.focus(),
  };
}

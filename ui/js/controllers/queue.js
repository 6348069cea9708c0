// The queue pane and its filters: fetching rows, drawing them, moving the selection.
import { $, h } from "../dom.js";
import { NETWORKS, byName } from "../format.js";
import { absoluteIndex, filterArgs, hasFilter, listsPreApproved, titleText } from "../queue-state.js";
import { PAGE_MARGIN, SEARCH_DEBOUNCE_MS, countedOptions, covers, moveTarget, pageAround } from "../search.js";
import { createQueueView } from "../views/queue.js";

export function createQueueController(app) {
  const { els, backend } = app;
  let fetching = null; // the fetch in flight; calls meanwhile fold into one more
  let dirty = false;
  let anchor = null; // the row the next fetch's page is asked around (null: the selection's)
  let fresh = false; // the next answer is for other filters or words
  let searchTimer = 0;
  const search = $("#queue-search");

  const view = createQueueView({
    scroller: els.queue,
    spacer: $("#queue-spacer"),
    empty: $("#queue-empty"),
    onSelect: (id) => {
      app.apply({ type: "selected", id });
      render();
      app.draft.loadDetail();
    },
    // Scrolled to rows not loaded (or near the page's edge): fetch the page they are in.
    onWindow: (start, end) => {
      const qs = app.state.queue;
      if (covers(qs, start, end)) return;
      anchor = start;
      refresh();
    },
  });

  /** Decisions pressed but not yet in an answer: the counts below leave them out. */
  function inFlight() {
    return Object.keys(app.state.queue.optimistic ?? {}).length;
  }

  /** What the title bar counts: the whole queue, not the filtered rows. */
  function reviewCount() {
    return Math.max(0, (app.state.queue.page?.all_to_review ?? 0) - inFlight());
  }

  function render({ reveal = false } = {}) {
    const qs = app.state.queue;
    view.render(qs, {
      reveal,
      checked: app.bulk.checkedSet(),
      at: Date.now(),
      emptyText: listsPreApproved(qs.filter)
        ? "No pre-approved replies went out without review."
        : qs.text.trim()
        ? `No drafts match “${qs.text.trim()}”${hasFilter(qs.filter) ? " with these filters" : ""}.`
        : hasFilter(qs.filter)
        ? "No drafts match these filters."
        : "Nothing to review. New drafts appear here as they arrive.",
    });
    const toReview = Math.max(0, (qs.page?.to_review ?? 0) - inFlight());
    const decided = (qs.page?.decided ?? 0) + Math.min(inFlight(), qs.page?.to_review ?? 0);
    els.queueTitle.textContent = listsPreApproved(qs.filter) ? "Pre-approved replies" : "To review";
    els.queueCount.textContent = listsPreApproved(qs.filter)
      ? `${qs.total} approved without review`
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
        const { filter, text, total } = app.state.queue;
        const at = anchor ?? absoluteIndex(app.state.queue);
        const isFresh = fresh;
        anchor = null;
        fresh = false;
        // Only the rows around what is shown cross IPC, with the counts the menus need.
        const { offset, limit } = pageAround(Math.max(0, at), total || Infinity);
        try {
          const answer = await backend.queuePage({ filter: filterArgs(filter), text: text.trim() ? text : "", offset, limit });
          if (!app.state.user) return;
          if (!answer.items.length && answer.total > 0) {
            // The queue got shorter than the row asked for: ask for its end instead.
            anchor = answer.total - 1;
            fresh = isFresh;
            dirty = true;
            continue;
          }
          const before = app.state.queue.selectedId;
          const { queue, detail } = app.apply({ type: "queue-page-loaded", answer, offset, fresh: isFresh });
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

  /** Moves over the whole queue: a row whose page is not loaded yet is fetched first. */
  async function moveBy(how) {
    const qs = app.state.queue;
    const target = moveTarget(how, absoluteIndex(qs), qs.total);
    if (target < 0) return;
    if (!covers(qs, target, target + 1)) {
      anchor = target;
      await refresh();
    }
    app.apply({ type: "selected-at", index: target });
    render({ reveal: true });
    app.draft.scheduleDetail();
    // Coming near the page's edge: fetch the next one before it is needed.
    if (!covers(app.state.queue, target, target + 1, PAGE_MARGIN)) {
      anchor = target;
      refresh();
    }
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
    const { queue } = app.state;
    const f = queue.filter;
    // Counts from Rust: what each choice would give with the other filters and the words.
    const counts = queue.page?.counts ?? {};
    setOptions(els.network, [["", "All networks"], ...countedOptions(Object.entries(NETWORKS), counts.network, f.network)], f.network);
    const channels = Object.keys(counts.channel ?? {}).sort(byName);
    if (f.channel && !channels.includes(f.channel)) channels.unshift(f.channel);
    setOptions(els.channel, [["", "All channels"], ...countedOptions(channels.map((c) => [c, c]), counts.channel, f.channel)], f.channel);
    setOptions(els.urgency, [["", "Any urgency"], ...countedOptions([["crisis", "Crisis"], ["urgent", "Urgent"], ["normal", "Normal"]], counts.urgency, f.urgency)], f.urgency);
    setOptions(els.findings, [
      ["", "Any findings"], ["has", "Has findings"], ["none", "No findings"],
      ["pre", "Pre-approved replies"],
    ], f.findings);
    els.clearFilters.hidden = !hasFilter(f);
    if (els.decided) {
      setOptions(els.decided, [["", "Any status"], ["open", `To review · ${counts.decided_by_me?.no ?? 0}`],
        ["mine", `Decided by me · ${counts.decided_by_me?.yes ?? 0}`]], f.decided);
    }
    for (const s of [els.network, els.channel, els.urgency, els.findings, els.decided]) s?.classList.toggle("active", Boolean(s.value));
  }

  // ---- search ----

  /** Runs the search for what is typed, once typing pauses. */
  function searchTyped() {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => {
      app.apply({ type: "search-set", text: search.value });
      anchor = 0;
      fresh = true;
      renderFilters();
      refresh({ reveal: true });
    }, SEARCH_DEBOUNCE_MS);
  }

  /** Empties the search box and shows the queue again, the keyboard back on it. */
  function clearSearch() {
    clearTimeout(searchTimer);
    search.value = "";
    els.queue.focus();
    if (!app.state.queue.text) return;
    app.apply({ type: "search-set", text: "" });
    anchor = 0;
    fresh = true;
    renderFilters();
    refresh({ reveal: true });
  }

  search?.addEventListener("input", searchTyped);
  search?.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      clearSearch();
    } else if (event.key === "Enter" || event.key === "ArrowDown") {
      // To the results: j/k and the decision keys work on them.
      event.preventDefault();
      els.queue.focus();
    }
  });

  /** Applies a filter event ("filter-set", "filter-cleared", "crisis-shown") and refetches. */
  function filterBy(event) {
    app.apply(event);
    anchor = 0;
    fresh = true;
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
    focusSearch: () => {
      search.focus();
      search.select();
    },
    clearSearch,
    focus: () => els.queue.focus(),
  };
}

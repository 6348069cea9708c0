// Comments on the words and the versions overlay: selecting words in the draft body
// (with the mouse, or `v` and the arrow keys), `m` on a selection opening the composer on
// those words (with a "suggest replacement" field), sending the comment, and `d` opening
// what changed since the version last seen. Positions are code points (selection.js).
import { selectedSpan, selectionMove, applyMove, domSelectionSpan, trimSpan, unitToCodePoint, unitsBefore } from "../selection.js";
import { wireAnnotationEmphasis } from "../views/annotations.js";
import { buildVersions } from "../views/versions.js";
import { isTypingContext } from "../keys.js";

export function createAnnotationsController(app) {
  const { els, backend } = app;

  wireAnnotationEmphasis(els.draft);

  const bodyEl = () => els.draft.querySelector("[data-testid=draft-body]");
  const openDetail = () => app.state.detail;
  const selecting = () => {
    const sel = app.state.selection;
    return sel && sel.draftId === openDetail()?.draft.id ? sel : null;
  };

  /** The words the mouse selected in the body, as code points; null for none. */
  function mouseSpan() {
    const detail = openDetail();
    const el = bodyEl();
    const sel = globalThis.getSelection?.();
    if (!detail || !el || !sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
    return domSelectionSpan(el, detail.draft.body, sel);
  }

  /** Redraws the body and the hint under it (each arrow key: not the whole pane). */
  function renderSelection() {
    app.draft.render();
    bodyEl()?.querySelector("[data-testid=selection-caret]")?.scrollIntoView?.({ block: "nearest" });
  }

  /** `v`: selection mode, starting from the mouse's selection if there is one, else at the start. */
  function startSelecting() {
    const detail = openDetail();
    if (!detail || app.state.composer) return;
    const span = mouseSpan();
    globalThis.getSelection?.()?.removeAllRanges();
    app.apply({
      type: "selection-started", draftId: detail.draft.id,
      anchor: span ? span.start : 0, focus: span ? span.end : 0,
    });
    renderSelection();
  }

  function stopSelecting() {
    if (!app.state.selection) return;
    app.apply({ type: "selection-ended" });
    app.draft.render();
  }

  /**
   * The caret one line up or down, found where the text is laid out (the line above or
   * below the caret's box); null when the layout cannot say (then Home/End's meaning).
   */
  function lineMove(pos, to) {
    const el = bodyEl();
    const caret = el?.querySelector("[data-testid=selection-caret]");
    const text = openDetail()?.draft.body ?? "";
    if (!caret || typeof document.caretRangeFromPoint !== "function") return null;
    const box = caret.getBoundingClientRect();
    const line = Math.max(box.height, 12);
    const y = to === "up" ? box.top - line / 2 : box.bottom + line / 2;
    const bodyBox = el.getBoundingClientRect();
    if (y < bodyBox.top) return 0;
    if (y > bodyBox.bottom) return [...text].length;
    const range = document.caretRangeFromPoint(box.left + 1, y);
    if (!range || !el.contains(range.startContainer)) return null;
    const units = unitsBefore(el, range.startContainer, range.startOffset);
    return units === null ? null : unitToCodePoint(text, units);
  }

  /**
   * A key while selecting: arrows move (Shift extends, Ctrl/Alt by word, Up/Down by line,
   * Home/End to the ends), `m` or Enter comment, Escape or `v` stops. True when the key was
   * used; other keys go on to the action table (and `j`/`k` leave the draft, and with it
   * the selection).
   */
  function handleKey(event) {
    const sel = selecting();
    if (!sel || app.overlays.isOpen() || app.state.composer || isTypingContext(event.target)) return false;
    // Escape, or `v` again, stops selecting.
    if (event.key === "Escape" || (event.key === "v" && !event.ctrlKey && !event.metaKey && !event.altKey)) {
      stopSelecting();
      return true;
    }
    if ((event.key === "m" || event.key === "Enter") && !event.ctrlKey && !event.metaKey && !event.altKey) {
      commentOnSelection();
      return true;
    }
    const move = selectionMove(event);
    if (!move) return false;
    const text = openDetail().draft.body;
    let next;
    if (event.key === "ArrowUp" || event.key === "ArrowDown") {
      const at = lineMove(sel.focus, event.key === "ArrowUp" ? "up" : "down");
      next = at === null ? applyMove(text, sel, move) : { anchor: move.extend ? sel.anchor : at, focus: at };
    } else {
      next = applyMove(text, sel, move);
    }
    app.apply({ type: "selection-moved", anchor: next.anchor, focus: next.focus });
    renderSelection();
    return true;
  }

  /**
   * `m`: on selected words (the keyboard's selection, else the mouse's) the composer opens
   * on them; without a selection it is a comment on the whole draft, as before.
   */
  function commentOnSelection() {
    const detail = openDetail();
    if (!detail) return;
    const sel = selecting();
    const span = sel ? trimSpan(detail.draft.body, selectedSpan(sel)) : mouseSpan();
    if (sel) app.apply({ type: "selection-ended" });
    if (!span) {
      if (sel) app.toast("Select some words first (Shift+arrows), or press m again to comment on the whole draft.", "info", 4000);
      else app.draft.openComposer("comment");
      if (sel) app.draft.render();
      return;
    }
    globalThis.getSelection?.()?.removeAllRanges();
    app.draft.openComposer("annotate", span);
  }

  /** Sends the "annotate" composer: the comment, the words (code points) and any replacement. */
  async function submit() {
    const { composer } = app.state;
    if (!composer || composer.mode !== "annotate") return;
    const form = els.draft.querySelector("form[data-composer-form=annotate]");
    const body = (form?.querySelector("textarea[data-composer]")?.value ?? "").trim();
    const replacement = form?.querySelector("input[data-composer-suggestion]")?.value ?? "";
    if (!body) {
      app.draft.refuse("Say what is wrong with these words: the author needs to know.");
      return;
    }
    try {
      await backend.comment({
        draftId: composer.draftId, body, target: composer.target,
        // An empty field is no suggestion; to suggest deleting the words, say so in the comment.
        ...(replacement.trim() ? { suggestion: replacement } : {}),
      });
      app.apply({ type: "composer-closed" });
      app.draft.render();
      app.queue.focus();
      app.toast("Comment saved — not yet synced.", "info", 3000);
      app.status.refresh();
      // The pane shows the new comment, marked on its words, from the cache.
      app.draft.refreshQuietly();
    } catch (e) {
      app.apply({ type: "composer-refused", error: e.message ?? "Could not save the comment." });
      if (!app.report(e, "Could not save the comment")) app.draft.render();
    }
  }

  /** `d`: what changed since the version last seen, and a picker for any two. */
  function openVersions() {
    const detail = openDetail();
    if (!detail) return;
    if ((detail.versions?.length ?? 0) < 1) {
      app.toast("This device has no earlier versions of this draft.", "info");
      return;
    }
    app.overlays.open({
      kind: "versions", testid: "versions", labelledBy: "versions-title",
      build: (panel) => buildVersions(panel, detail),
    });
  }

  return { startSelecting, stopSelecting, handleKey, commentOnSelection, submit, openVersions, isSelecting: () => Boolean(selecting()) };
}

// The visible window of a virtual list with fixed row height.

/**
 * Which rows to render for a scroll position.
 * @returns {{start: number, end: number, totalHeight: number}} rows [start, end)
 */
export function visibleWindow({ scrollTop, viewportHeight, rowHeight, count, overscan = 4 }) {
  const totalHeight = Math.max(0, count * rowHeight);
  if (count <= 0 || rowHeight <= 0) return { start: 0, end: 0, totalHeight };
  const maxTop = Math.max(0, totalHeight - viewportHeight);
  const top = Math.max(0, Math.min(scrollTop, maxTop));
  const first = Math.floor(top / rowHeight);
  const last = Math.ceil((top + Math.max(0, viewportHeight)) / rowHeight);
  const start = Math.max(0, first - overscan);
  const end = Math.min(count, Math.max(last, first + 1) + overscan);
  return { start, end, totalHeight };
}

/** The row's top offset inside the spacer. */
export function rowTop(index, rowHeight) {
  return index * rowHeight;
}

/** The scrollTop that brings row `index` fully into view with the least movement. */
export function scrollToReveal({ index, scrollTop, viewportHeight, rowHeight }) {
  const top = index * rowHeight;
  const bottom = top + rowHeight;
  if (top < scrollTop) return top;
  if (bottom > scrollTop + viewportHeight) return Math.max(0, bottom - viewportHeight);
  return scrollTop;
}

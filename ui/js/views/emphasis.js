// Emphasis from a list entry to its words in the body: shared by findings and comments.

/**
 * Hovering or focusing a list entry (`itemSelector`) gives its marks in the body
 * (`marksOf(pane, item)`) the class `className`; clicking one scrolls its first mark into
 * view. Wired once on the pane, by delegation, so re-renders need nothing. Focus wins when
 * the pointer is elsewhere, so keyboard users keep their emphasis.
 */
export function wireEmphasis(pane, { itemSelector, className, marksOf }) {
  const show = (item) => {
    for (const m of pane.querySelectorAll(`mark.${className}`)) m.classList.remove(className);
    if (item) for (const m of marksOf(pane, item)) m.classList.add(className);
  };
  const itemAt = (target) => (target instanceof Element ? target.closest(itemSelector) : null);
  pane.addEventListener("mouseover", (event) => show(itemAt(event.target) ?? itemAt(document.activeElement)));
  pane.addEventListener("mouseleave", () => show(itemAt(document.activeElement)));
  pane.addEventListener("focusin", (event) => show(itemAt(event.target)));
  pane.addEventListener("focusout", (event) => show(itemAt(event.relatedTarget)));
  pane.addEventListener("click", (event) => {
    const item = itemAt(event.target);
    if (item) marksOf(pane, item)[0]?.scrollIntoView({ block: "nearest", behavior: "smooth" });
  });
}

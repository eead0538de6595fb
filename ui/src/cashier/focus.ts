/** A pointer press leaves focus where it was, so the physical Enter key keeps meaning Add / Charge. */
export const keepFocus = (e: { preventDefault: () => void }) => e.preventDefault();

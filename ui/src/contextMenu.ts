/** The webview would show WebKit's own context menu (Reload, Inspect…); a till has no use for it. */
export function blockContextMenu(target: Document = document): () => void {
  const block = (e: Event) => e.preventDefault();
  target.addEventListener('contextmenu', block);
  return () => target.removeEventListener('contextmenu', block);
}

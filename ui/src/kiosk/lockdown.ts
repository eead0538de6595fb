// Kiosk mode in the webview: no reload, no zoom, no history navigation, no selecting, no dragging, no leaving.
// (Right-click is blocked app-wide by contextMenu.ts.) Ctrl+Alt+K stays free: it opens the staff PIN pad.

const EDITABLE = 'input, textarea, select, [contenteditable="true"]';

function isEditable(t: EventTarget | null): boolean {
  return t instanceof Element && !!t.closest(EDITABLE);
}

/** Keys a kiosk must never act on. Exported for tests. */
export function isBlockedKey(e: Pick<KeyboardEvent, 'key' | 'code' | 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey'>): boolean {
  const mod = e.ctrlKey || e.metaKey;
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  // Reload: F5, Ctrl/Cmd+R, Ctrl+Shift+R, Ctrl+F5.
  if (key === 'F5' || key === 'BrowserRefresh' || (mod && key === 'r')) return true;
  // Zoom: Ctrl/Cmd + + = - _ 0 (main row and keypad).
  if (mod && ['+', '=', '-', '_', '0'].includes(key)) return true;
  if (mod && ['Equal', 'Minus', 'Digit0', 'NumpadAdd', 'NumpadSubtract', 'Numpad0'].includes(e.code)) return true;
  // History: Alt+Left/Right, Cmd+[ ], the browser keys.
  if (e.altKey && (key === 'ArrowLeft' || key === 'ArrowRight')) return true;
  if (mod && (key === '[' || key === ']')) return true;
  if (key === 'BrowserBack' || key === 'BrowserForward' || key === 'BrowserHome' || key === 'BrowserSearch') return true;
  // Print, open, save, find, new window/tab, view source, address bar, full screen, devtools.
  if (mod && !e.altKey && ['p', 'o', 's', 'f', 'g', 'n', 't', 'u', 'l', 'h', 'j'].includes(key)) return true;
  if (mod && e.shiftKey && ['i', 'c', 'j'].includes(key)) return true;
  if (key === 'F1' || key === 'F3' || key === 'F6' || key === 'F7' || key === 'F11' || key === 'F12') return true;
  return false;
}

export function installKioskLockdown(win: Window = window): () => void {
  const doc = win.document;
  const block = (e: Event) => e.preventDefault();
  const onKey = (e: KeyboardEvent) => {
    if (isBlockedKey(e)) {
      e.preventDefault();
      e.stopPropagation();
    }
  };
  const onWheel = (e: WheelEvent) => {
    if (e.ctrlKey || e.metaKey) e.preventDefault(); // Ctrl+wheel and trackpad pinch zoom
  };
  const onTouchMove = (e: TouchEvent) => {
    if (e.touches.length > 1) e.preventDefault(); // pinch zoom
  };
  const onSelectStart = (e: Event) => {
    if (!isEditable(e.target)) e.preventDefault();
  };
  const onClick = (e: MouseEvent) => {
    const a = e.target instanceof Element ? e.target.closest('a[href]') : null;
    if (a) e.preventDefault(); // there are no links; should one appear, it goes nowhere
  };
  const onAuxClick = (e: MouseEvent) => {
    if (e.button === 1) e.preventDefault();
  };

  const listeners: [EventTarget, string, EventListener, AddEventListenerOptions][] = [
    [win, 'keydown', onKey as EventListener, { capture: true }],
    [win, 'wheel', onWheel as EventListener, { capture: true, passive: false }],
    [win, 'touchmove', onTouchMove as EventListener, { capture: true, passive: false }],
    [doc, 'gesturestart', block, { capture: true }],
    [doc, 'gesturechange', block, { capture: true }],
    [doc, 'gestureend', block, { capture: true }],
    [doc, 'dragstart', block, { capture: true }],
    [doc, 'dragover', block, { capture: true }],
    [doc, 'drop', block, { capture: true }],
    [doc, 'selectstart', onSelectStart, { capture: true }],
    [doc, 'click', onClick as EventListener, { capture: true }],
    [doc, 'auxclick', onAuxClick as EventListener, { capture: true }],
  ];
  for (const [t, type, fn, opts] of listeners) t.addEventListener(type, fn, opts);
  doc.documentElement.classList.add('kiosk-locked');
  return () => {
    for (const [t, type, fn, opts] of listeners) t.removeEventListener(type, fn, opts);
    doc.documentElement.classList.remove('kiosk-locked');
  };
}

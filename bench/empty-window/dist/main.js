// The empty window is interactive once its first frame is drawn; it says so as Kassa's UI does (markInteractive
// in ui/src/api/till.ts): a task queued from the frame's animation callback runs once that frame is painted.
requestAnimationFrame(() => setTimeout(() => window.__TAURI_INTERNALS__.invoke('ui_ready'), 0));

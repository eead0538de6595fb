// The empty window is interactive once its first frame is drawn; it says so as Kassa's UI does.
requestAnimationFrame(() => window.__TAURI_INTERNALS__.invoke('ui_ready'));

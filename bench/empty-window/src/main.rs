//! An empty Tauri window, built and started as Kassa is (same Tauri, same window size, its page served from the
//! binary), with nothing in it. bench/startup.py measures Kassa against it: start-up to interactive, memory and
//! CPU while idle.

use std::time::Instant;

use tauri::{State, WebviewUrl, WebviewWindowBuilder};

struct Started(Instant);

/// The page's first frame is drawn: the same line Kassa logs when its first screen is.
#[tauri::command]
fn ui_ready(started: State<'_, Started>) {
    eprintln!(
        "interactive {} ms after start",
        started.0.elapsed().as_millis()
    );
}

fn main() {
    let started = Started(Instant::now());
    tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![ui_ready])
        .manage(started)
        .setup(|app| {
            WebviewWindowBuilder::new(app, "main", WebviewUrl::App("index.html".into()))
                .title("Empty window")
                .inner_size(1280.0, 800.0)
                .build()?;
            Ok(())
        })
        .run(tauri::generate_context!())
        .expect("an empty window starts");
}

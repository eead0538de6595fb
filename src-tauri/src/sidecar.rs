//! Demo mode's backend: `kassa-backend --simulate`, started through tauri-plugin-shell as a sidecar. It ships as
//! `kassa-backend-sidecar` so that tauri-build's copy beside the app never overwrites cargo's own kassa-backend.
//!
//! The plugin kills only children spawned from JS, so the shell keeps the CommandChild and kills it itself. The
//! child runs in its own process group (so the kill reaches everything it started) and watches our pid (so it
//! exits if we crash). A pid file lets the next start clean up an orphan all the same.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use tauri::{AppHandle, Runtime};
use tauri_plugin_shell::process::{CommandChild, CommandEvent};
use tauri_plugin_shell::ShellExt;

pub struct Sidecar {
    child: Mutex<Option<CommandChild>>,
    pid_file: PathBuf,
}

/// A port the OS says is free now.
pub fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn process_is_backend(pid: i32) -> bool {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|c| String::from_utf8_lossy(&c).contains("kassa-backend"))
        .unwrap_or(false)
}

/// Ends a sidecar an earlier run left behind (a crash, a kill -9), if the pid file names one that still runs.
pub fn kill_orphan(pid_file: &Path) {
    let Some(pid) = std::fs::read_to_string(pid_file)
        .ok()
        .and_then(|s| s.trim().parse::<i32>().ok())
    else {
        return;
    };
    if pid > 1 && process_is_backend(pid) {
        tracing::warn!(pid, "ending the demo backend an earlier run left behind");
        // SAFETY: kill(2) with a negative pid signals that process group; no memory is involved.
        unsafe {
            libc::kill(-pid, libc::SIGTERM);
        }
        for _ in 0..50 {
            if !process_is_backend(pid) {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        if process_is_backend(pid) {
            // SAFETY: as above.
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
        }
    }
    let _ = std::fs::remove_file(pid_file);
}

impl Sidecar {
    /// Starts the backend and waits until it listens. Returns the sidecar and the backend's URL.
    pub async fn start<R: Runtime>(
        app: &AppHandle<R>,
        data_dir: &Path,
        backend_port: u16,
        sim_port: u16,
        token: &str,
    ) -> Result<(Self, String), String> {
        let pid_file = data_dir.join("demo-backend.pid");
        kill_orphan(&pid_file);
        let backend_dir = data_dir.join("demo-backend");
        let mut args = vec![
            "--simulate".to_owned(),
            // The demo café, from the backend's data, into a catalogue nobody has changed yet.
            "--demo-catalog".to_owned(),
            // One simulated card reader for this till, so a card-present sale runs offline.
            "--demo-reader".to_owned(),
            "--addr".to_owned(),
            format!("127.0.0.1:{backend_port}"),
            "--sim-addr".to_owned(),
            format!("127.0.0.1:{sim_port}"),
            "--data-dir".to_owned(),
            backend_dir.display().to_string(),
            "--exit-with-parent".to_owned(),
            std::process::id().to_string(),
        ];
        if tauri::is_dev() {
            // `tauri dev` serves the page from the Vite dev server, which must be allowed to frame the card form.
            args.extend([
                "--till-origin".to_owned(),
                "http://localhost:1420".to_owned(),
            ]);
        }
        let (mut rx, child) = app
            .shell()
            .sidecar("kassa-backend-sidecar")
            .map_err(|e| format!("the demo backend is missing from this build: {e}"))?
            .args(args)
            .env("KASSA_BOOTSTRAP_TOKEN", token)
            .set_process_group(true)
            .spawn()
            .map_err(|e| format!("cannot start the demo backend: {e}"))?;
        let _ = std::fs::write(&pid_file, child.pid().to_string());
        let sidecar = Self {
            child: Mutex::new(Some(child)),
            pid_file,
        };
        let mut stderr = String::new();
        let ready = tokio::time::timeout(Duration::from_secs(30), async {
            while let Some(event) = rx.recv().await {
                match event {
                    CommandEvent::Stdout(line) => {
                        let line = String::from_utf8_lossy(&line);
                        if let Some(url) = line.trim().strip_prefix("kassa-backend listening on ") {
                            return Ok(url.to_owned());
                        }
                    }
                    CommandEvent::Stderr(line) => stderr.push_str(&String::from_utf8_lossy(&line)),
                    CommandEvent::Terminated(status) => {
                        return Err(format!(
                            "the demo backend exited ({:?}): {}",
                            status.code,
                            stderr.trim()
                        ));
                    }
                    _ => {}
                }
            }
            Err("the demo backend closed its output".to_owned())
        })
        .await;
        let url = match ready {
            Ok(Ok(url)) => url,
            Ok(Err(e)) => {
                sidecar.stop();
                return Err(e);
            }
            Err(_) => {
                sidecar.stop();
                return Err("the demo backend did not start within 30 s".to_owned());
            }
        };
        // Keep draining its output, or it would block on a full pipe.
        tauri::async_runtime::spawn(async move {
            while let Some(event) = rx.recv().await {
                if let CommandEvent::Stderr(line) = event {
                    tracing::debug!(target: "kassa_backend", "{}", String::from_utf8_lossy(&line).trim_end());
                }
            }
        });
        Ok((sidecar, url))
    }

    pub fn stop(&self) {
        if let Some(child) = self.child.lock().unwrap_or_else(|e| e.into_inner()).take() {
            // With set_process_group, kill() ends the whole group.
            if let Err(e) = child.kill() {
                tracing::warn!("cannot stop the demo backend: {e}");
            }
        }
        let _ = std::fs::remove_file(&self.pid_file);
    }
}

impl Drop for Sidecar {
    fn drop(&mut self) {
        self.stop();
    }
}

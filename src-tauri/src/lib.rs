//! Kassa's Tauri shell, kept thin: windows, the commands (forwarded to kassa-till), the demo sidecar, the CSP.

pub mod commands;
pub mod csp;
pub mod navigation;
pub mod notify;
pub mod settings;
pub mod sidecar;
pub mod startup;

use std::sync::Arc;

use kassa_till::{Backend, Catalog, SystemClock, Till};
use rand::RngCore;
use tauri::{Manager, Runtime, WebviewUrl, WebviewWindowBuilder};

use commands::{AppInfo, AppState};
use settings::Settings;
use startup::Connection;
pub use startup::View;

/// Registers every command; shared by the app and the command tests.
pub fn with_commands<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder.invoke_handler(tauri::generate_handler![
        commands::app_info,
        commands::catalog,
        commands::current_order,
        commands::new_order,
        commands::add_item,
        commands::add_custom,
        commands::scan,
        commands::search,
        commands::pay_cash,
        commands::set_tip,
        commands::readers,
        commands::pay_on_reader,
        commands::reader,
        commands::cancel_reader,
        commands::simulate_tap,
        commands::print_receipt,
        commands::set_quantity,
        commands::remove_line,
        commands::charge,
        commands::refresh_order,
        commands::cancel_sale,
        commands::order,
        commands::receipt,
        commands::sync_status,
        commands::reconcile,
        commands::admin_payments,
        commands::admin_detail,
        commands::admin_refund,
        commands::admin_cancel,
        commands::admin_capture,
        commands::admin_end_of_day,
        commands::admin_export_csv,
        commands::admin_needs_attention,
        commands::admin_catalog,
        commands::admin_put_product,
        commands::admin_put_tax_rate,
        commands::admin_put_store,
        commands::admin_import_catalog,
        commands::admin_shift_report,
        commands::admin_close_shift,
        commands::admin_shift_reports,
        commands::admin_export_shift_reports,
        commands::verify_admin_pin,
        commands::lock_admin,
        commands::exit_kiosk,
        commands::ui_ready,
    ])
}

fn fail(message: &str) -> ! {
    eprintln!("kassa: {message}");
    std::process::exit(2);
}

pub fn run() {
    let started = commands::Started(std::time::Instant::now());
    cpu_painting_without_gpu();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "kassa=info,kassa_app=info,kassa_till=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args: Vec<String> = std::env::args().collect();
    let data_dir = settings::data_dir();
    if args.get(1).map(String::as_str) == Some("set-admin-pin") {
        set_admin_pin(&data_dir);
    }
    let settings = Settings::load(&data_dir)
        .unwrap_or_else(|e| fail(&e))
        .with_env();
    let view = View::from_args(&args, &settings);
    let printer = settings.printer().unwrap_or_else(|e| fail(&e));
    let connection =
        Connection::from_settings(&settings, std::env::var("KASSA_TERMINAL_NAME").ok(), || {
            let port = |what: &str| {
                sidecar::free_port().map_err(|e| format!("no free port for the {what}: {e}"))
            };
            Ok((port("demo backend")?, port("simulator")?))
        })
        .unwrap_or_else(|e| fail(&e));
    let (backend_origin, frames) = match &connection {
        Connection::Configured { origin, .. } => (
            origin.clone(),
            navigation::FrameOrigins::new(vec![origin.clone()], true),
        ),
        Connection::Demo {
            backend_port,
            sim_port,
        } => {
            let backend = format!("http://127.0.0.1:{backend_port}");
            let frames = navigation::FrameOrigins::new(
                vec![backend.clone(), format!("http://127.0.0.1:{sim_port}")],
                false,
            );
            (backend, frames)
        }
    };

    let mut context = tauri::generate_context!();
    context.config_mut().app.security.csp = Some(tauri::utils::config::Csp::Policy(csp::policy(
        &backend_origin,
    )));

    let window_frames = frames.clone();
    let app = with_commands(tauri::Builder::default())
        .plugin(tauri_plugin_shell::init())
        .setup(move |app| {
            // The demo backend and the till start while the window opens and its page loads; `app_info`
            // answers once they have, and the UI calls nothing else before it.
            let (booted, boot) = commands::Boot::pending();
            app.manage(boot);
            app.manage(started);
            app.manage(commands::KioskLock(std::sync::atomic::AtomicBool::new(
                view == View::Kiosk,
            )));
            app.manage(Shutdown::default());
            app.manage(frames);
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                let outcome = start(&handle, view, &connection, &data_dir, printer)
                    .await
                    .map_err(|e| {
                        tracing::error!("cannot start: {e}");
                        e.to_string()
                    });
                let _ = booted.send(Some(outcome));
            });
            open_window(app, view, window_frames)?;
            Ok(())
        })
        .build(context)
        .unwrap_or_else(|e| fail(&format!("cannot start: {e}")));
    app.run(|handle, event| {
        if let tauri::RunEvent::Exit = event {
            if let Some(shutdown) = handle.try_state::<Shutdown>() {
                shutdown.run_down();
            }
        }
    });
}

/// Everything behind the window: the demo backend (or the configured one), the till core, its sync task.
async fn start<R: Runtime>(
    handle: &tauri::AppHandle<R>,
    view: View,
    connection: &Connection,
    data_dir: &std::path::Path,
    printer: Option<kassa_till::print::ReceiptPrinter>,
) -> Result<AppInfo, Box<dyn std::error::Error>> {
    let shutdown = handle.state::<Shutdown>();
    let mode = connection.mode();
    let (backend, terminal) = match connection {
        &Connection::Demo {
            backend_port,
            sim_port,
        } => {
            let mut token = [0u8; 32];
            rand::thread_rng().fill_bytes(&mut token);
            let token = hex::encode(token);
            let (sidecar, url) =
                sidecar::Sidecar::start(handle, data_dir, backend_port, sim_port, &token).await?;
            shutdown.keep_sidecar(sidecar);
            (
                Backend::new(&url, &token),
                startup::DEMO_TERMINAL.to_owned(),
            )
        }
        Connection::Configured {
            url,
            admin_token,
            terminal,
            ..
        } => (
            Backend::new(url, connection.terminal_token()?).with_admin_token(admin_token.clone()),
            terminal.clone(),
        ),
    };
    // The demo sells its café from the first frame; a shop's till sells only the shop's catalogue, once the feed
    // has brought it (never the demo's items, in its currency or any other).
    let until_synced = match connection {
        Connection::Demo { .. } => Catalog::demo(),
        Connection::Configured { .. } => Catalog::awaiting(),
    };
    let backend_url = backend.base().to_owned();
    let receipt_printer = printer.as_ref().map(|p| p.address.clone());
    let notifier = Arc::new(notify::TauriNotifier(handle.clone()));
    let till = Arc::new(
        Till::open(
            &data_dir.join("till.sqlite3"),
            backend,
            until_synced,
            &terminal,
            notifier,
            Arc::new(SystemClock),
        )?
        .with_printer(printer),
    );
    let info = AppInfo {
        mode,
        view: view.as_str(),
        terminal: terminal.clone(),
        backend_url,
        currency: till.catalog().map(|c| c.currency).unwrap_or_default(),
        receipt_printer,
    };
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    shutdown.keep_stop(stop_tx);
    tauri::async_runtime::spawn(kassa_till::sync::run(till.clone(), stop_rx));
    let recovering = till.clone();
    tauri::async_runtime::spawn(async move {
        if let Err(e) = recovering.recover().await {
            tracing::warn!("start-up reconciliation failed: {e}");
        }
    });
    if mode == "demo" && !kassa_till::pin::is_set(&till.store)? {
        // A demo needs a way out of kiosk mode; README names this PIN. Real tills set their own.
        till.set_admin_pin(DEMO_ADMIN_PIN)?;
    }
    handle.manage(AppState {
        till,
        exports_dir: data_dir.join("exports"),
    });
    Ok(info)
}

/// Without a GPU (no DRM render node: a VM, a bare till), WebKitGTK's Skia rasterizes on Mesa's software GL
/// emulation, which compiles shaders at every start and keeps textures in system memory; Skia's own CPU
/// rasterizer is the lighter path there (bench/startup.py: start-up 1.68x to 1.41x the empty window, memory
/// 1.29x to 1.13x). Compositing stays on: without it WebKitWebDriver's screenshots hang. Set before any thread
/// starts, and never over an explicit choice.
fn cpu_painting_without_gpu() {
    const VAR: &str = "WEBKIT_SKIA_ENABLE_CPU_RENDERING";
    let has_gpu = std::fs::read_dir("/dev/dri")
        .map(|entries| {
            entries
                .flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
        })
        .unwrap_or(false);
    if !has_gpu && std::env::var_os(VAR).is_none() {
        std::env::set_var(VAR, "1");
    }
}

/// What the app stops on exit; filled in as start-up gets that far.
#[derive(Default)]
struct Shutdown {
    stop: std::sync::Mutex<Option<tokio::sync::watch::Sender<bool>>>,
    sidecar: std::sync::Mutex<Option<sidecar::Sidecar>>,
}

impl Shutdown {
    fn keep_stop(&self, stop: tokio::sync::watch::Sender<bool>) {
        *self.stop.lock().unwrap_or_else(|e| e.into_inner()) = Some(stop);
    }

    fn keep_sidecar(&self, sidecar: sidecar::Sidecar) {
        *self.sidecar.lock().unwrap_or_else(|e| e.into_inner()) = Some(sidecar);
    }

    fn run_down(&self) {
        if let Some(stop) = self.stop.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            let _ = stop.send(true);
        }
        if let Some(sidecar) = self
            .sidecar
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
        {
            sidecar.stop();
        }
    }
}

/// The demo's admin PIN, used only when no PIN was ever set (see README).
pub const DEMO_ADMIN_PIN: &str = "1234";

/// `kassa set-admin-pin`: reads a PIN from standard input and stores its Argon2 hash in the till's settings.
fn set_admin_pin(data_dir: &std::path::Path) -> ! {
    let mut pin = String::new();
    eprintln!("New admin PIN (4 to 12 digits), then Enter:");
    if std::io::stdin().read_line(&mut pin).is_err() {
        fail("cannot read the PIN from standard input");
    }
    let store = kassa_till::store::Store::open(&data_dir.join("till.sqlite3"))
        .unwrap_or_else(|e| fail(&e.to_string()));
    match kassa_till::pin::set(&store, pin.trim()) {
        Ok(()) => {
            eprintln!("The admin PIN is set.");
            std::process::exit(0)
        }
        Err(e) => fail(&e.to_string()),
    }
}

fn open_window<R: Runtime, M: Manager<R>>(
    app: &M,
    view: View,
    frames: navigation::FrameOrigins,
) -> tauri::Result<()> {
    // The label picks the capability: the kiosk's (capabilities/kiosk.json) grants no admin command.
    let label = if view == View::Kiosk { "kiosk" } else { "main" };
    let builder = WebviewWindowBuilder::new(app, label, WebviewUrl::App("index.html".into()))
        .title(match view {
            View::Cashier => "Kassa",
            View::Kiosk => "Kassa self-checkout",
            View::Admin => "Kassa admin",
        })
        .inner_size(1280.0, 800.0)
        .min_inner_size(1024.0, 700.0)
        // Only the app itself, its backend's payment page and Stripe.js's frames in it ever load.
        .on_navigation(move |url| frames.allows(url));
    let builder = match view {
        View::Kiosk => builder
            .fullscreen(true)
            .decorations(false)
            .always_on_top(true)
            .resizable(false)
            .devtools(false),
        _ => builder,
    };
    let window = builder.build()?;
    if view == View::Kiosk {
        let handle = window.app_handle().clone();
        window.on_window_event(move |event| {
            if let tauri::WindowEvent::CloseRequested { api, .. } = event {
                let locked = handle
                    .try_state::<commands::KioskLock>()
                    .is_some_and(|l| l.0.load(std::sync::atomic::Ordering::SeqCst));
                if locked {
                    // Alt+F4 and the like: a kiosk closes only through the admin PIN.
                    api.prevent_close();
                }
            }
        });
    }
    Ok(())
}

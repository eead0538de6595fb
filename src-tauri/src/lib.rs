//! Kassa's Tauri shell, kept thin: windows, the commands (forwarded to kassa-till), the demo sidecar, the CSP.

pub mod commands;
pub mod csp;
pub mod notify;
pub mod settings;
pub mod sidecar;

use std::sync::Arc;

use kassa_till::{Backend, Catalog, SystemClock, Till};
use rand::RngCore;
use tauri::{Manager, Runtime, WebviewUrl, WebviewWindowBuilder};

use commands::{AppInfo, AppState};
use settings::Settings;

/// How the window was asked to open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Cashier,
    Kiosk,
    Admin,
}

impl View {
    pub fn from_args(args: &[String], settings: &Settings) -> Self {
        if args.iter().any(|a| a == "--admin") {
            Self::Admin
        } else if args.iter().any(|a| a == "--kiosk") || settings.kiosk {
            Self::Kiosk
        } else {
            Self::Cashier
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Cashier => "cashier",
            Self::Kiosk => "kiosk",
            Self::Admin => "admin",
        }
    }
}

/// Registers every command; shared by the app and the command tests.
pub fn with_commands<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder.invoke_handler(tauri::generate_handler![
        commands::app_info,
        commands::catalog,
        commands::current_order,
        commands::new_order,
        commands::add_item,
        commands::add_custom,
        commands::set_quantity,
        commands::remove_line,
        commands::charge,
        commands::refresh_order,
        commands::cancel_sale,
        commands::order,
        commands::receipt,
        commands::sync_status,
        commands::reconcile,
    ])
}

fn fail(message: &str) -> ! {
    eprintln!("kassa: {message}");
    std::process::exit(2);
}

pub fn run() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "kassa=info,kassa_app=info,kassa_till=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args: Vec<String> = std::env::args().collect();
    let data_dir = settings::data_dir();
    let settings = Settings::load(&data_dir)
        .unwrap_or_else(|e| fail(&e))
        .with_env();
    let view = View::from_args(&args, &settings);
    let ports = settings.demo().then(|| {
        let backend = sidecar::free_port()
            .unwrap_or_else(|e| fail(&format!("no free port for the demo backend: {e}")));
        let sim = sidecar::free_port()
            .unwrap_or_else(|e| fail(&format!("no free port for the simulator: {e}")));
        (backend, sim)
    });
    let sim_origin = ports.map(|(_, sim)| format!("http://127.0.0.1:{sim}"));

    let mut context = tauri::generate_context!();
    context.config_mut().app.security.csp = Some(tauri::utils::config::Csp::Policy(csp::policy(
        sim_origin.as_deref(),
    )));

    let app = with_commands(tauri::Builder::default())
        .plugin(tauri_plugin_shell::init())
        .setup(move |app| {
            let handle = app.handle().clone();
            let (backend, mode, sidecar) = match ports {
                Some((backend_port, sim_port)) => {
                    let mut token = [0u8; 32];
                    rand::thread_rng().fill_bytes(&mut token);
                    let token = hex::encode(token);
                    let (sidecar, url) = tauri::async_runtime::block_on(sidecar::Sidecar::start(&handle, &data_dir, backend_port, sim_port, &token))?;
                    (Backend::new(&url, &token), "demo", Some(sidecar))
                }
                None => {
                    let url = settings.backend_url.clone().unwrap_or_default();
                    let token = settings.terminal_token.clone().ok_or("no terminal token in the settings: add terminal_token to settings.json or set KASSA_TERMINAL_TOKEN")?;
                    (Backend::new(&url, &token), "live", None)
                }
            };
            let terminal = if mode == "demo" { "till".to_owned() } else { std::env::var("KASSA_TERMINAL_NAME").unwrap_or_else(|_| "till".into()) };
            let info = AppInfo {
                mode,
                view: view.as_str(),
                terminal: terminal.clone(),
                backend_url: backend.base().to_owned(),
                currency: Catalog::demo().currency,
                dashboard_url: "https://dashboard.stripe.com/test".into(),
            };
            let notifier = Arc::new(notify::TauriNotifier(handle.clone()));
            let till = Arc::new(Till::open(&data_dir.join("till.sqlite3"), backend, Catalog::demo(), &terminal, notifier, Arc::new(SystemClock))?);
            let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
            tauri::async_runtime::spawn(kassa_till::sync::run(till.clone(), stop_rx));
            let recovering = till.clone();
            tauri::async_runtime::spawn(async move {
                if let Err(e) = recovering.recover().await {
                    tracing::warn!("start-up reconciliation failed: {e}");
                }
            });
            app.manage(AppState { till, info });
            app.manage(Shutdown { stop: stop_tx, sidecar });
            open_window(app, view)?;
            Ok(())
        })
        .build(context)
        .unwrap_or_else(|e| fail(&format!("cannot start: {e}")));
    app.run(|handle, event| {
        if let tauri::RunEvent::Exit = event {
            if let Some(shutdown) = handle.try_state::<Shutdown>() {
                let _ = shutdown.stop.send(true);
                if let Some(sidecar) = &shutdown.sidecar {
                    sidecar.stop();
                }
            }
        }
    });
}

struct Shutdown {
    stop: tokio::sync::watch::Sender<bool>,
    sidecar: Option<sidecar::Sidecar>,
}

fn open_window<R: Runtime, M: Manager<R>>(app: &M, view: View) -> tauri::Result<()> {
    let builder = WebviewWindowBuilder::new(app, "main", WebviewUrl::App("index.html".into()))
        .title(match view {
            View::Cashier => "Kassa",
            View::Kiosk => "Kassa self-checkout",
            View::Admin => "Kassa admin",
        })
        .inner_size(1280.0, 800.0)
        .min_inner_size(1024.0, 700.0);
    let builder = match view {
        View::Kiosk => builder
            .fullscreen(true)
            .decorations(false)
            .always_on_top(true)
            .resizable(false),
        _ => builder,
    };
    builder.build()?;
    Ok(())
}

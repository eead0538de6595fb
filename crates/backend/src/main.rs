use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use kassa_backend::config::{Cli, Command, TokenAction};
use kassa_stripe::clock::Clock as _;

// Webhook intake and the feed allocate on every worker at once; mimalloc's per-thread heaps keep them from
// queueing on glibc's arena locks.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "kassa_backend=info,stripe_sim=info".into()),
        )
        .with_writer(std::io::stderr)
        // A log line must never take the process down, e.g. when stderr is a pipe to an app that is gone.
        .log_internal_errors(false)
        .init();
    let cli = Cli::parse();
    match cli.command {
        // --data-dir is global: it lands in `serve` wherever it stood on the command line.
        Some(Command::Token {
            action: TokenAction::Create { name, admin },
        }) => create_token(&name, admin, &cli.serve.location()),
        None => serve(cli.serve).await,
    }
}

fn create_token(name: &str, admin: bool, location: &kassa_backend::db::Location) -> ExitCode {
    if let Err(e) = kassa_backend::db::terminals::check_name(name) {
        eprintln!("kassa-backend: {e}");
        return ExitCode::from(2);
    }
    let result = kassa_backend::db::Db::open(location)
        .map_err(|e| e.to_string())
        .and_then(|db| {
            let now = kassa_stripe::clock::SystemClock.now();
            db.writer()
                .and_then(|w| w.with(|c| kassa_backend::db::terminals::create(c, name, admin, now)))
                .map_err(|e| e.to_string())
        });
    match result {
        Ok(token) => {
            // The store is named so a token made for another database than the server's stands out.
            eprintln!(
                "Created a {} token for {name:?} in {location}. It is shown once; store it in the till's settings.",
                if admin { "admin" } else { "terminal" },
            );
            println!("{token}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("kassa-backend: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: kassa_backend::config::ServeArgs) -> ExitCode {
    let running = match kassa_backend::start(args, Arc::new(kassa_stripe::clock::SystemClock)).await
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("kassa-backend: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(sim) = &running.simulator {
        println!(
            "stripe simulator on {} (webhooks signed and delivered to /webhook)",
            sim.url()
        );
    }
    println!("kassa-backend listening on {}", running.url());
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = async { if let Some(t) = term.as_mut() { t.recv().await; } } => {}
    }
    running.shutdown().await;
    ExitCode::SUCCESS
}

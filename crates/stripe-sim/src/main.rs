use clap::Parser;
use stripe_sim::{Config, Simulator};

// The simulator answers many small requests on every worker at once; mimalloc's per-thread heaps keep them
// from queueing on glibc's arena locks (measured in benches/create_confirm.rs).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "stripe_sim=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let config = Config::parse();
    let sim = match Simulator::start(config).await {
        Ok(sim) => sim,
        Err(e) => {
            eprintln!("stripe-sim: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    println!("stripe-sim listening on {}", sim.url());
    for url in &sim.sim.config.forward_to {
        println!("Forwarding events to {url}");
    }
    println!(
        "Ready! Your webhook signing secret is {} (^C to quit)",
        sim.webhook_secret()
    );
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = async { if let Some(t) = term.as_mut() { t.recv().await; } } => {}
    }
    sim.shutdown().await;
    std::process::ExitCode::SUCCESS
}

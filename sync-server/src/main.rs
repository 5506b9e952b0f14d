//! `clinic-sync`: serve the clinic, or manage it from the command line.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use clinic_sync::settings::Sources;
use clinic_sync::{accounts, Settings, Storage, StorageChoice};

#[derive(Parser)]
#[command(name = "clinic-sync", version, about = "Clinic Desk sync server")]
struct Cli {
    /// Settings file (TOML). Default: <data folder>/clinic-sync.toml when it exists.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API until Ctrl-C or SIGTERM.
    Serve {
        /// Address and port, e.g. 127.0.0.1:8750 (overrides CLINIC_SYNC_LISTEN and the file).
        #[arg(long)]
        listen: Option<SocketAddr>,
        /// Seed a demo clinic if the database has no accounts yet.
        #[arg(long)]
        demo: bool,
    },
    /// Manage admin accounts.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an admin account. The password is read from standard input.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
    },
}

fn main() {
    if let Err(e) = run() {
        eprintln!("clinic-sync: {e:#}");
        std::process::exit(1);
    }
}

fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CLINIC_SYNC_LOG")
                .unwrap_or_else(|_| "info,tower_http=info,sqlx=warn".into()),
        )
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
    let listen = match &cli.command {
        Command::Serve { listen, .. } => *listen,
        Command::Admin { .. } => None,
    };
    let env = |k: &str| std::env::var(k).ok();
    let settings = Settings::load(Sources {
        config_file: cli.config.as_deref(),
        env: &env,
        listen,
    })?;
    let runtime = tokio::runtime::Runtime::new().context("could not start the async runtime")?;
    runtime.block_on(async move {
        match cli.command {
            Command::Serve { demo, .. } => serve(settings, demo).await,
            Command::Admin {
                command: AdminCommand::Create { email, name },
            } => {
                let password = read_password()?;
                clinic_sync::with_storage(&settings, |choice| async move {
                    let account = match &choice {
                        StorageChoice::Sqlite(s) => {
                            accounts::create_admin(s, &email, &name, &password).await
                        }
                        StorageChoice::Postgres(s) => {
                            accounts::create_admin(s, &email, &name, &password).await
                        }
                    }?;
                    println!(
                        "Created admin {} <{}>.",
                        account.display_name, account.email
                    );
                    Ok(())
                })
                .await
            }
        }
    })
}

fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        // Typed at a terminal: not echoed.
        return rpassword::prompt_password(
            "Password for the new admin (at least 10 characters), then Enter: ",
        )
        .context("could not read the password from the terminal");
    }
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("could not read the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

async fn serve(settings: Settings, demo: bool) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .with_context(|| {
            format!(
            "Cannot listen on {}: is another server using that port? Choose another with --listen",
            settings.listen
        )
        })?;
    let address = listener.local_addr()?;
    let data_dir = settings.data_dir.clone();
    clinic_sync::with_storage(&settings.clone(), |choice| async move {
        match choice {
            StorageChoice::Sqlite(s) => {
                start(s, settings, listener, address, demo, &data_dir).await
            }
            StorageChoice::Postgres(s) => {
                start(s, settings, listener, address, demo, &data_dir).await
            }
        }
    })
    .await
}

async fn start<S: Storage>(
    storage: S,
    settings: Settings,
    listener: tokio::net::TcpListener,
    address: SocketAddr,
    demo: bool,
    data_dir: &std::path::Path,
) -> anyhow::Result<()> {
    if demo {
        std::fs::create_dir_all(data_dir)?;
        if let Some((credentials, path)) = accounts::seed_demo_clinic(&storage, data_dir).await? {
            println!(
                "Seeded the demo clinic. These sign-ins are shown once; all of them are in {}:",
                path.display()
            );
            for c in credentials.iter().filter(|c| c.role.is_staff()) {
                println!("  {:<10} {:<28} {}", c.role.as_str(), c.email, c.password);
            }
            println!(
                "  (and {} patients)",
                credentials.iter().filter(|c| !c.role.is_staff()).count()
            );
        }
    }
    tracing::info!(%address, database = storage.backend(), "clinic-sync listening");
    println!(
        "clinic-sync listening on http://{address} ({} database)",
        storage.backend()
    );
    clinic_sync::serve(storage, settings, listener, shutdown_signal()).await?;
    tracing::info!("clinic-sync stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

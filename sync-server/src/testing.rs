//! A real server in-process on a loopback port, for tests and benchmarks: this crate's own (on
//! SQLite and PostgreSQL), the desk service's and the sync client's. Behind the `testing` feature.

use std::path::Path;

use crate::accounts;
use crate::settings::Settings;
use crate::storage::{SqliteStorage, Storage};

/// A server serving until dropped.
pub struct Spawned<S: Storage + Clone = SqliteStorage> {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    pub storage: S,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl<S: Storage + Clone> Drop for Spawned<S> {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl<S: Storage + Clone> Spawned<S> {
    /// An admin account made as `clinic-sync create-admin` makes it.
    pub async fn admin(&self, email: &str, password: &str) -> anyhow::Result<()> {
        accounts::create_admin(&self.storage, email, "Test Admin", password).await?;
        Ok(())
    }

    /// The demo clinic (its doctors verified, its staff and patients), with the credentials
    /// written to a file under `dir`.
    pub async fn seed_demo(&self, dir: &Path) -> anyhow::Result<Vec<accounts::Credential>> {
        Ok(accounts::seed_demo_clinic(&self.storage, dir)
            .await?
            .map(|(credentials, _)| credentials)
            .unwrap_or_default())
    }
}

/// Start a server with `settings` (its data kept in `settings.data_dir`, which the caller
/// owns) on a free loopback port.
pub async fn spawn(settings: Settings) -> anyhow::Result<Spawned> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    serve_on(settings, listener).await
}

/// Start a server again where one was (the same data folder and address): devices that
/// worked offline meanwhile reconnect to it. Waits up to five seconds for the port to be free.
pub async fn spawn_at(settings: Settings, url: &str) -> anyhow::Result<Spawned> {
    let address = url.trim_start_matches("http://").to_owned();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let listener = loop {
        match tokio::net::TcpListener::bind(&address).await {
            Ok(listener) => break listener,
            Err(e) if std::time::Instant::now() > deadline => return Err(e.into()),
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
        }
    };
    serve_on(settings, listener).await
}

/// Serve `storage` (connected and migrated by the caller: a PostgreSQL database, or one a
/// benchmark filled first) with `settings` on a free loopback port.
pub async fn serve_storage<S: Storage + Clone>(
    storage: S,
    settings: Settings,
) -> anyhow::Result<Spawned<S>> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    serve_storage_on(storage, settings, listener).await
}

async fn serve_on(
    settings: Settings,
    listener: tokio::net::TcpListener,
) -> anyhow::Result<Spawned> {
    std::fs::create_dir_all(&settings.data_dir)?;
    let storage = SqliteStorage::connect(&settings.sqlite_path()).await?;
    storage.migrate().await?;
    serve_storage_on(storage, settings, listener).await
}

async fn serve_storage_on<S: Storage + Clone>(
    storage: S,
    mut settings: Settings,
    listener: tokio::net::TcpListener,
) -> anyhow::Result<Spawned<S>> {
    let url = format!("http://{}", listener.local_addr()?);
    settings.public_url.get_or_insert_with(|| url.clone());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(crate::serve(
        storage.clone(),
        settings,
        listener,
        async move {
            let _ = stopped.await;
        },
    ));
    Ok(Spawned {
        url,
        storage,
        stop: Some(stop),
    })
}

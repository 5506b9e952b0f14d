//! Clinic Desk's sync server.
//!
//! Invariant: this is the only crate that knows axum and sqlx.
//! Invariant: every endpoint asks `clinic_core::decide` before it reads or writes.
//! Invariant: an error answer never carries internals; they go to the log.

pub mod accounts;
pub mod attachments;
pub mod audit;
pub mod blobs;
mod body;
pub mod caller;
pub mod consents;
pub mod consultations;
pub mod directory;
pub mod doctor_documents;
pub mod error;
pub mod extract;
pub mod http;
pub mod meetings;
pub mod password;
pub mod payments;
pub mod prescriptions;
pub mod records;
pub mod settings;
pub mod sign_in_limit;
pub mod storage;
pub mod sync;
pub mod takings;
#[cfg(feature = "testing")]
pub mod testing;
pub mod tls;

use std::future::Future;
use std::net::SocketAddr;

use anyhow::Context;

pub use http::{router, AppState};
pub use settings::Settings;
pub use storage::{PostgresStorage, SqliteStorage, Storage};

/// Hide the password of a database URL (in `user:password@` and in `?password=`) before it
/// reaches a message or a log.
pub fn redact_url(url: &str) -> String {
    let mut out = match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    };
    if let Some((base, query)) = out.split_once('?') {
        let query: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((name, _)) if name.eq_ignore_ascii_case("password") => format!("{name}=***"),
                _ => pair.to_owned(),
            })
            .collect();
        out = format!("{base}?{}", query.join("&"));
    }
    out
}

/// Open the configured database and run its migrations.
pub async fn with_storage<F, Fut>(settings: &Settings, f: F) -> anyhow::Result<()>
where
    F: FnOnce(StorageChoice) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let choice = match &settings.database_url {
        Some(url) => {
            let storage = PostgresStorage::connect(url).await.with_context(|| {
                format!(
                    "Cannot connect to PostgreSQL at {} (DATABASE_URL). Check that it is running and the address, user and password are right",
                    redact_url(url)
                )
            })?;
            storage
                .migrate()
                .await
                .context("Could not prepare the PostgreSQL database")?;
            StorageChoice::Postgres(storage)
        }
        None => {
            settings.prepare_data_dir()?;
            let path = settings.sqlite_path();
            let storage = SqliteStorage::connect(&path)
                .await
                .with_context(|| format!("Cannot open the database file {}", path.display()))?;
            storage
                .migrate()
                .await
                .context("Could not prepare the SQLite database")?;
            StorageChoice::Sqlite(storage)
        }
    };
    f(choice).await
}

pub enum StorageChoice {
    Sqlite(SqliteStorage),
    Postgres(PostgresStorage),
}

/// Serve on `listener` until `shutdown` completes, finishing requests in flight.
pub async fn serve<S: Storage>(
    storage: S,
    settings: Settings,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let blob_key = blobs::BlobKey::load_or_create(&settings.blob_key_path())?;
    let audit_key_path = settings.audit_key_path();
    audit::adopt_key(
        &storage,
        audit::AuditKey::load_or_create(&audit_key_path)?,
        &audit_key_path,
    )
    .await?;
    let tls = match settings.tls_files()? {
        Some(files) => {
            let (config, fingerprint) = tls::config(&files)?;
            tracing::info!(%fingerprint, certificate = %files.certificate.display(), "serving TLS");
            Some(config)
        }
        None => None,
    };
    let state = AppState::new(storage, settings, blob_key);
    // Devices connecting to the event stream hear the current head at once.
    state.announce_changes().await;
    let limit = state.sign_in_limit.clone();
    let sweeper = tokio::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(60)).await;
            limit.forget_idle();
        }
    });
    // Event streams never end by themselves: tell them to, or shutdown would wait for them.
    let closing = state.closing.clone();
    let shutdown = async move {
        shutdown.await;
        closing.send_replace(true);
    };
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let result = match tls {
        None => {
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
        }
        Some(config) => {
            let handle = axum_server::Handle::new();
            let stopping = handle.clone();
            tokio::spawn(async move {
                shutdown.await;
                stopping.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
            });
            axum_server::from_tcp(listener.into_std()?)?
                .acceptor(axum_server::tls_openssl::OpenSSLAcceptor::new(config))
                .handle(handle)
                .serve(app)
                .await
        }
    };
    sweeper.abort();
    result.context("the server stopped with an error")
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_passwords_are_redacted() {
        assert_eq!(
            super::redact_url("postgres://clinic:s3cret@db:5432/clinic"),
            "postgres://clinic:***@db:5432/clinic"
        );
        assert_eq!(
            super::redact_url("postgres://db/clinic"),
            "postgres://db/clinic"
        );
    }
}

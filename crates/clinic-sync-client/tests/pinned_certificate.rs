//! The client and the server's TLS: a self-signed certificate is not trusted until pinned, is
//! trusted exactly once pinned, another server's certificate is refused, and plain http goes
//! only to this computer unless the clinic allows it.

use std::time::Duration;

use clinic_sync::storage::prelude::*;
use clinic_sync::{Settings, SqliteStorage};
use clinic_sync_client::{fingerprint, ClientError, SyncClient};

struct TlsServer {
    url: String,
    /// The certificate's fingerprint, as the server's own files say.
    fingerprint: String,
    _stop: tokio::sync::oneshot::Sender<()>,
    _dir: tempfile::TempDir,
}

async fn tls_server() -> TlsServer {
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings {
        data_dir: dir.path().to_owned(),
        tls_self_signed: true,
        ..Settings::default()
    };
    let storage = SqliteStorage::connect(&settings.sqlite_path())
        .await
        .unwrap();
    storage.migrate().await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(clinic_sync::serve(
        storage,
        settings,
        listener,
        async move {
            let _ = stopped.await;
        },
    ));
    let pem = loop {
        match std::fs::read(dir.path().join("tls/certificate.pem")) {
            Ok(pem) => break pem,
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    };
    // Give the acceptor a moment to listen.
    tokio::time::sleep(Duration::from_millis(200)).await;
    TlsServer {
        url,
        fingerprint: clinic_sync::tls::fingerprint(&pem).unwrap(),
        _stop: stop,
        _dir: dir,
    }
}

#[tokio::test]
async fn a_self_signed_server_is_trusted_only_once_its_certificate_is_pinned() {
    let server = tls_server().await;
    let client = SyncClient::new(&server.url);
    assert!(matches!(
        client.health(Duration::from_secs(3)).await,
        Err(ClientError::CertificateNotTrusted { .. })
    ));
    // First contact: what the server presents, read without sending anything but /health.
    let presented = client.presented_certificate().await.unwrap();
    assert_eq!(
        fingerprint(&presented),
        server.fingerprint,
        "the desk shows what the server logs"
    );
    client.pin_certificate(&presented);
    client.health(Duration::from_secs(3)).await.unwrap();
    // The clone the background loop holds trusts it too.
    client.clone().health(Duration::from_secs(3)).await.unwrap();

    // Another server (another certificate) at the address: refused, and what changed can be said.
    let other = tls_server().await;
    let moved = SyncClient::new(&other.url);
    moved.pin_certificate(&presented);
    assert!(matches!(
        moved.health(Duration::from_secs(3)).await,
        Err(ClientError::CertificateNotTrusted { .. })
    ));
    let now = moved.presented_certificate().await.unwrap();
    assert_ne!(fingerprint(&now), fingerprint(&presented));
    assert_eq!(fingerprint(&now), other.fingerprint);
}

#[tokio::test]
async fn plain_http_goes_only_to_this_computer_unless_the_clinic_allows_it() {
    let refused = SyncClient::with_policy("http://192.0.2.10:8750", false);
    let said = refused.health(Duration::from_secs(1)).await.unwrap_err();
    assert!(
        matches!(said, ClientError::PlainHttpRefused { .. }),
        "{said}"
    );
    assert!(said.to_string().contains("https"), "{said}");
    for local in [
        "http://127.0.0.1:9",
        "http://localhost:9",
        "https://192.0.2.10:8750",
    ] {
        assert!(clinic_sync_client::plain_http_is_local(local), "{local}");
    }
    for remote in [
        "http://clinic-server.lan:8750",
        "http://127.evil.example:8750",
        "HTTP://192.0.2.10",
        "http://127.0.0.1@192.0.2.10",
        "ftp://127.0.0.1",
    ] {
        assert!(!clinic_sync_client::plain_http_is_local(remote), "{remote}");
    }
    assert!(clinic_sync_client::plain_http_is_local(
        "http://127.0.0.2:8750"
    ));
    // Allowed by the clinic: tried (and here unreachable, nothing listens there).
    let allowed = SyncClient::with_policy("http://127.0.0.1:9", false);
    assert!(matches!(
        allowed.health(Duration::from_secs(1)).await,
        Err(ClientError::Unreachable { .. })
    ));
}

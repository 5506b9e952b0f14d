//! The client against the real server (in-process, embedded SQLite, loopback port).

use std::time::Duration;

use clinic_core::account::{DemographicsForm, SignUpForm};
use clinic_core::ipc::IpcError;
use clinic_core::wire::ErrorCode;
use clinic_sync::{Settings, SqliteStorage, Storage};
use clinic_sync_client::{ClientError, SyncClient};

struct Server {
    url: String,
    _stop: tokio::sync::oneshot::Sender<()>,
    _dir: tempfile::TempDir,
}

async fn server() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings {
        data_dir: dir.path().to_owned(),
        ..Settings::default()
    };
    let storage = SqliteStorage::connect(&settings.sqlite_path())
        .await
        .unwrap();
    storage.migrate().await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(clinic_sync::serve(
        storage,
        settings,
        listener,
        async move {
            let _ = stopped.await;
        },
    ));
    Server {
        url,
        _stop: stop,
        _dir: dir,
    }
}

fn form(email: &str) -> SignUpForm {
    SignUpForm {
        email: email.into(),
        password: "a long patient password".into(),
        demographics: DemographicsForm {
            full_name: "Rahima Khatun".into(),
            ..Default::default()
        },
    }
}

#[tokio::test]
async fn an_unreachable_server_is_explained_in_plain_words() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = SyncClient::new(&format!("http://127.0.0.1:{port}"));
    let err = client
        .sign_in("a@b.co", "whatever pass", None, None)
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Unreachable { .. }), "{err:?}");
    let ipc = IpcError::from(err);
    assert_eq!(ipc.code, ErrorCode::ServerUnreachable);
    assert!(
        ipc.message
            .starts_with("Cannot reach the clinic server at http://127.0.0.1:"),
        "{}",
        ipc.message
    );
    assert!(client.health(Duration::from_millis(500)).await.is_err());
}

#[tokio::test]
async fn sign_up_profile_and_sign_out() {
    let s = server().await;
    let client = SyncClient::new(&format!("{}/", s.url));
    assert_eq!(
        client
            .health(Duration::from_secs(2))
            .await
            .unwrap()
            .database,
        "sqlite"
    );
    let grant = client.sign_up(&form("rahima@example.com")).await.unwrap();
    let me = client.me(&grant.token).await.unwrap();
    assert_eq!(me.account.email, "rahima@example.com");
    let mut changed = DemographicsForm {
        full_name: "রহিমা খাতুন".into(),
        ..Default::default()
    };
    changed.phone = Some("01712345678".into());
    let profile = client
        .update_my_profile(&grant.token, &changed)
        .await
        .unwrap();
    assert_eq!(profile.full_name, "রহিমা খাতুন");
    let forbidden = client.accounts(&grant.token).await.unwrap_err();
    assert_eq!(IpcError::from(forbidden).code, ErrorCode::Forbidden);
    client.sign_out(&grant.token).await.unwrap();
    let after = client.me(&grant.token).await.unwrap_err();
    assert!(
        matches!(&after, ClientError::Refused { status: 401, .. }),
        "{after:?}"
    );
    assert_eq!(IpcError::from(after).code, ErrorCode::SessionExpired);
}

#[tokio::test]
async fn the_servers_field_messages_reach_the_desk() {
    let s = server().await;
    let client = SyncClient::new(&s.url);
    let mut short = form("k@example.com");
    short.password = "short".into();
    let err = IpcError::from(client.sign_up(&short).await.unwrap_err());
    assert_eq!(err.code, ErrorCode::Validation);
    assert_eq!(err.fields.len(), 1);
    assert_eq!(err.fields[0].field, "password");
    let wrong = IpcError::from(
        client
            .sign_in("k@example.com", "not the password", None, None)
            .await
            .unwrap_err(),
    );
    assert_eq!(wrong.code, ErrorCode::InvalidCredentials);
}

#[tokio::test]
async fn something_that_is_not_a_clinic_server_is_named() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buf = [0u8; 1024];
            let _ = socket.read(&mut buf).await;
            let _ = socket
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 13\r\n\r\n<html></html>")
                .await;
        }
    });
    let err = SyncClient::new(&url)
        .health(Duration::from_secs(2))
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Unexpected(_)), "{err:?}");
    assert!(err.to_string().contains("right address"), "{err}");
}

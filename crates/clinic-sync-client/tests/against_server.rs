//! The client against the real server (in-process, embedded SQLite, loopback port).

use std::time::Duration;

use clinic_core::account::{DemographicsForm, SignUpForm};
use clinic_core::ipc::IpcError;
use clinic_core::wire::ErrorCode;
use clinic_sync::Settings;
use clinic_sync_client::{ClientError, SyncClient};

/// A real server on a loopback port, with its data folder; it stops when dropped.
struct Server {
    url: String,
    _server: clinic_sync::testing::Spawned,
    _dir: tempfile::TempDir,
}

async fn server() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings {
        data_dir: dir.path().to_owned(),
        ..Settings::default()
    };
    let server = clinic_sync::testing::spawn(settings).await.unwrap();
    Server {
        url: server.url.clone(),
        _server: server,
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

/// A TCP relay to the server that drops a connection once: the first time more than `limits[0]`
/// bytes went client → server in total, or more than `limits[1]` server → client.
async fn dropping_relay(
    server: &str,
    limits: [u64; 2],
) -> (String, std::sync::Arc<[std::sync::atomic::AtomicBool; 2]>) {
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use std::sync::Arc;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let target = server.trim_start_matches("http://").to_owned();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let counts = Arc::new([AtomicU64::new(0), AtomicU64::new(0)]);
    let armed = Arc::new([AtomicBool::new(true), AtomicBool::new(true)]);
    let dropped = armed.clone();
    tokio::spawn(async move {
        while let Ok((inbound, _)) = listener.accept().await {
            let Ok(outbound) = tokio::net::TcpStream::connect(&target).await else {
                continue;
            };
            let (in_read, in_write) = inbound.into_split();
            let (out_read, out_write) = outbound.into_split();
            let halves: [(
                tokio::net::tcp::OwnedReadHalf,
                tokio::net::tcp::OwnedWriteHalf,
            ); 2] = [(in_read, out_write), (out_read, in_write)];
            for (direction, (mut from, mut to)) in halves.into_iter().enumerate() {
                let (counts, armed) = (counts.clone(), armed.clone());
                let limit = limits[direction];
                tokio::spawn(async move {
                    let mut buf = vec![0; 16 * 1024];
                    loop {
                        let n = match from.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        let before = counts[direction].fetch_add(n as u64, Ordering::SeqCst);
                        if before + n as u64 > limit
                            && armed[direction].swap(false, Ordering::SeqCst)
                        {
                            let keep = usize::try_from(limit.saturating_sub(before))
                                .unwrap_or(0)
                                .min(n);
                            let _ = to.write_all(&buf[..keep]).await;
                            break;
                        }
                        if to.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                    let _ = to.shutdown().await;
                });
            }
        }
    });
    (url, dropped)
}

#[tokio::test]
async fn a_record_upload_and_download_resume_after_a_dropped_connection() {
    use clinic_core::chart::DocumentCategory;
    use clinic_core::consent::{ConsentForm, ConsentPurpose};
    let server = server().await;
    let direct = SyncClient::new(&server.url);
    let grant = direct.sign_up(&form("rahima@example.com")).await.unwrap();
    let patient: clinic_core::PatientId = grant.account.id.to_string().parse().unwrap();
    direct
        .record_consent(
            &grant.token,
            patient,
            &ConsentForm {
                purpose: ConsentPurpose::StoreUploadedRecords,
                note: None,
            },
        )
        .await
        .unwrap();
    let mut report = b"%PDF-1.4\n%".to_vec();
    report.extend((0..900_000u32).map(|i| b'a' + (i % 26) as u8));
    report.extend_from_slice(b"\n%%EOF\n");

    // The connection drops in the middle of the second piece: the client asks where the upload
    // stands and goes on from there.
    let (relay, armed) = dropping_relay(&server.url, [400_000, u64::MAX]).await;
    let cut_up = SyncClient::new(&relay);
    let document = cut_up
        .upload_document(
            &grant.token,
            patient,
            "Blood count",
            DocumentCategory::Report,
            &report,
        )
        .await
        .unwrap();
    assert_eq!(document.size, report.len() as u64);
    assert_eq!(document.kind, clinic_core::upload::FileKind::Pdf);
    assert!(
        !armed[0].load(std::sync::atomic::Ordering::SeqCst),
        "the connection did drop"
    );

    // The download drops after 300 kB: the rest is asked for with Range, and the whole checks.
    let (relay, armed) = dropping_relay(&server.url, [u64::MAX, 300_000]).await;
    let cut_down = SyncClient::new(&relay);
    let fetched = cut_down
        .download_document(&grant.token, &document)
        .await
        .unwrap();
    assert_eq!(fetched, report);
    assert!(
        !armed[1].load(std::sync::atomic::Ordering::SeqCst),
        "the download did drop"
    );
    let listed = direct
        .patient_documents(&grant.token, patient)
        .await
        .unwrap();
    assert_eq!(listed.len(), 1, "one document, not one per attempt");
}

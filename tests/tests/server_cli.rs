//! The `clinic-sync` binary as an operator uses it: create the first admin, serve, stop.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use clinic_tests::{binary, free_port};

fn admin_create(data: &std::path::Path, email: &str, password: &str) -> std::process::Output {
    let mut child = Command::new(binary("clinic-sync"))
        .args([
            "admin",
            "create",
            "--email",
            email,
            "--name",
            "Nasrin Akter",
        ])
        .env("CLINIC_SYNC_DATA", data)
        .env_remove("DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{password}\n").as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn the_first_admin_is_made_from_the_command_line_and_can_sign_in() {
    let data = tempfile::tempdir().unwrap();
    let out = admin_create(data.path(), "owner@clinic.test", "short");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("password must be at least 10 characters"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");

    let out = admin_create(data.path(), "owner@clinic.test", "a long admin password");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout)
        .contains("Created admin Nasrin Akter <owner@clinic.test>"));

    let again = admin_create(data.path(), "OWNER@clinic.test", "a long admin password");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already registered"));

    let port = free_port();
    let mut server = Command::new(binary("clinic-sync"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("CLINIC_SYNC_DATA", data.path())
        .env_remove("DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let status = runtime.block_on(async {
        let client = reqwest::Client::new();
        let start = Instant::now();
        loop {
            let res = client
                .post(format!("http://127.0.0.1:{port}/api/v1/sessions"))
                .json(&serde_json::json!({"email": "owner@clinic.test", "password": "a long admin password"}))
                .send()
                .await;
            match res {
                Ok(r) => break r.status(),
                Err(_) if start.elapsed() < Duration::from_secs(30) => tokio::time::sleep(Duration::from_millis(100)).await,
                Err(e) => panic!("the server never answered: {e}"),
            }
        }
    });
    assert_eq!(status, 200);

    // SIGTERM: a graceful stop, exit code 0, and it says so in its log.
    Command::new("kill")
        .arg("-TERM")
        .arg(server.id().to_string())
        .status()
        .unwrap();
    let exit = server.wait().unwrap();
    let mut log = String::new();
    std::io::Read::read_to_string(server.stderr.as_mut().unwrap(), &mut log).unwrap();
    assert!(exit.success(), "{exit:?} {log}");
    assert!(log.contains("shutting down"), "{log}");
}

#[test]
fn bad_settings_stop_the_server_with_a_message_not_a_trace() {
    let data = tempfile::tempdir().unwrap();
    let out = Command::new(binary("clinic-sync"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("CLINIC_SYNC_DATA", data.path())
        .env("DATABASE_URL", "mysql://clinic@localhost/clinic")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("clinic-sync: database_url (DATABASE_URL) must start with postgres://"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "one line: {err}");

    let nothing_there = free_port();
    let out = Command::new(binary("clinic-sync"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("CLINIC_SYNC_DATA", data.path())
        .env(
            "DATABASE_URL",
            format!("postgres://clinic:secret@127.0.0.1:{nothing_there}/clinic"),
        )
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Cannot connect to PostgreSQL at postgres://clinic:***@127.0.0.1"),
        "{err}"
    );
    assert!(
        !err.contains("secret"),
        "the password is never printed: {err}"
    );
}

//! The real `clinic-sync` binary on a loopback port, with its own data folder.

use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::*;

pub(crate) fn wait_for_port(port: u16, within: Duration) -> Result<()> {
    let start = Instant::now();
    while start.elapsed() < within {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    bail!("nothing listened on port {port} within {within:?}")
}

/// Wait until `GET /health` answers 200 (the port opens before the demo seed is done).
fn wait_for_health(port: u16, within: Duration) -> Result<()> {
    use std::io::{Read, Write};
    let start = Instant::now();
    while start.elapsed() < within {
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
            let _ = stream.write_all(b"GET /health HTTP/1.0\r\nHost: localhost\r\n\r\n");
            let mut answer = String::new();
            let _ = stream.read_to_string(&mut answer);
            if answer.starts_with("HTTP/1.0 200") || answer.starts_with("HTTP/1.1 200") {
                return Ok(());
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bail!("clinic-sync on port {port} did not answer /health within {within:?}")
}

/// A TLS server is up once it logged its certificate and accepts connections.
fn wait_for_tls(log: &Path, port: u16) -> Result<()> {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(60) {
        let logged = std::fs::read_to_string(log).is_ok_and(|l| l.contains("serving TLS"));
        if logged && std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bail!("clinic-sync on port {port} did not start serving TLS within a minute")
}

/// Stops a child with SIGTERM (so it can stop its own children), then waits for it.
pub(crate) struct Terminating(pub(crate) Child);

impl Drop for Terminating {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.0.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The real `clinic-sync serve --demo` on a loopback port with its own data folder.
pub struct SyncServer {
    pub url: String,
    pub port: u16,
    pub data: tempfile::TempDir,
    process: Option<Terminating>,
    /// Extra environment (settings) for the server process.
    env: Vec<(String, String)>,
}

/// One line of demo-credentials.txt.
#[derive(Debug, Clone)]
pub struct Login {
    pub role: String,
    pub email: String,
    pub password: String,
    pub name: String,
}

impl SyncServer {
    pub fn start_demo() -> Result<SyncServer> {
        Self::start_demo_with(&[])
    }

    /// The demo server over TLS, on a self-signed certificate it makes (as `scripts/run.sh`).
    pub fn start_demo_tls() -> Result<SyncServer> {
        let mut server = Self::start_demo_with(&[("CLINIC_SYNC_TLS_SELF_SIGNED", "true")])?;
        server.url = format!("https://127.0.0.1:{}", server.port);
        Ok(server)
    }

    /// The SHA-256 fingerprint of the certificate the server serves, as its log says.
    pub fn certificate_fingerprint(&self) -> Result<String> {
        let log = std::fs::read_to_string(self.data.path().join("server.log"))?;
        log.lines()
            .filter(|l| l.contains("serving TLS"))
            .filter_map(|l| l.split("fingerprint=").nth(1))
            .filter_map(|rest| rest.split_whitespace().next())
            .next_back()
            .map(str::to_owned)
            .context("the server logged no certificate fingerprint")
    }

    /// Stop, throw the certificate away, and start again with a new one (a replaced server).
    pub fn replace_certificate(&mut self) -> Result<()> {
        self.stop();
        std::fs::remove_dir_all(self.data.path().join("tls"))?;
        self.resume()
    }

    /// The demo server with extra settings in its environment (`CLINIC_SYNC_…`).
    pub fn start_demo_with(env: &[(&str, &str)]) -> Result<SyncServer> {
        let data = tempfile::tempdir()?;
        let port = free_port();
        let mut server = SyncServer {
            url: format!("http://127.0.0.1:{port}"),
            port,
            data,
            process: None,
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        };
        server.resume()?;
        Ok(server)
    }

    /// Start (again) on the same port and data folder.
    pub fn resume(&mut self) -> Result<()> {
        let log = std::fs::File::create(self.data.path().join("server.log"))?;
        let child = Command::new(binary("clinic-sync"))
            .args([
                "serve",
                "--demo",
                "--listen",
                &format!("127.0.0.1:{}", self.port),
            ])
            .env("CLINIC_SYNC_DATA", self.data.path())
            .env_remove("DATABASE_URL")
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .context("start clinic-sync")?;
        self.process = Some(Terminating(child));
        if self
            .env
            .iter()
            .any(|(k, v)| k == "CLINIC_SYNC_TLS_SELF_SIGNED" && v == "true")
        {
            return wait_for_tls(&self.data.path().join("server.log"), self.port);
        }
        wait_for_health(self.port, Duration::from_secs(60))
    }

    /// Stop the server, as when the clinic's network goes down.
    pub fn stop(&mut self) {
        self.process = None;
    }

    pub fn logins(&self) -> Result<Vec<Login>> {
        let text = std::fs::read_to_string(self.data.path().join("demo-credentials.txt"))?;
        Ok(text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| {
                let mut parts = l.split_whitespace();
                let role = parts.next().unwrap_or_default().to_owned();
                let email = parts.next().unwrap_or_default().to_owned();
                let password = parts.next().unwrap_or_default().to_owned();
                let name = parts.collect::<Vec<_>>().join(" ");
                Login {
                    role,
                    email,
                    password,
                    name,
                }
            })
            .collect())
    }

    /// The front desk queues the demo patient (the one with their own account) as an in-person
    /// walk-in with the doctor called `doctor`, today.
    pub async fn walk_in_demo_patient(&self, doctor: &str) -> Result<()> {
        let desk = self
            .logins()?
            .into_iter()
            .find(|l| l.role == "front_desk")
            .context("a front-desk login")?;
        let patient = self.login("patient")?;
        let own = ServerApi::sign_in(&self.url, &patient)
            .await?
            .patients()
            .await?;
        let own_id = own
            .first()
            .and_then(|p| p["id"].as_str())
            .context("the patient's own record")?
            .to_owned();
        let api = ServerApi::sign_in(&self.url, &desk).await?;
        let doctor = api.doctor_id(doctor).await?;
        api.walk_in(&own_id, &doctor, "in_person").await
    }

    /// The path in a "Saved in …" message.
    pub fn saved_path(banner: &str) -> String {
        banner
            .rsplit_once(": ")
            .or_else(|| banner.split_once(" in "))
            .map(|(_, p)| p.trim().to_owned())
            .unwrap_or_default()
    }

    pub fn login(&self, role: &str) -> Result<Login> {
        self.logins()?
            .into_iter()
            .find(|l| l.role == role)
            .with_context(|| format!("no demo {role}"))
    }
}

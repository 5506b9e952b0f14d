//! The harness for end-to-end tests: the real `clinic-sync` binary on a loopback port, and the
//! real desk binaries under Xvfb driven through tauri-driver + WebKitWebDriver.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use fantoccini::{Client, ClientBuilder, Locator};

/// The workspace root (the folder holding the top Cargo.toml).
pub fn workspace_root() -> PathBuf {
    // Asked at run time: cargo sets it for the tests it runs. A path baked in when compiling
    // would be wrong for artifacts reused from a checkout elsewhere that shares the target dir.
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    Path::new(&manifest)
        .parent()
        .expect("tests/ is inside the workspace")
        .to_owned()
}

/// The cargo running these tests (the one that built them may be another toolchain path).
pub fn cargo() -> std::ffi::OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| env!("CARGO").into())
}

/// Cargo's target folder, as cargo itself reports it (honours CARGO_TARGET_DIR and config).
pub fn target_dir() -> PathBuf {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let out = Command::new(cargo())
            .args(["metadata", "--format-version", "1", "--no-deps"])
            .current_dir(workspace_root())
            .output()
            .expect("cargo metadata runs");
        let meta: serde_json::Value =
            serde_json::from_slice(&out.stdout).expect("cargo metadata is JSON");
        PathBuf::from(meta["target_directory"].as_str().expect("target_directory"))
    })
    .clone()
}

/// A built binary of the workspace (built by scripts/test.sh before the tests run), from the
/// profile named by `CLINIC_E2E_PROFILE` (default `debug`; benchmarks use `release`).
pub fn binary(name: &str) -> PathBuf {
    let profile = std::env::var("CLINIC_E2E_PROFILE").unwrap_or_else(|_| "debug".to_owned());
    let path = target_dir().join(profile).join(name);
    assert!(
        path.exists(),
        "{} is not built: run scripts/test.sh (or scripts/build-desk.sh and cargo build -p clinic-sync)",
        path.display()
    );
    path
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for_port(port: u16, within: Duration) -> Result<()> {
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
struct Terminating(Child);

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

/// Which desk binary.
#[derive(Clone, Copy, Debug)]
pub enum Build {
    Staff,
    Patient,
}

/// A workstation: its data folder and key file survive app restarts.
pub struct Workstation {
    pub data: tempfile::TempDir,
    pub server_url: String,
}

impl Workstation {
    pub fn new(server_url: &str) -> Result<Workstation> {
        Ok(Workstation {
            data: tempfile::tempdir()?,
            server_url: server_url.to_owned(),
        })
    }

    pub fn key_file(&self) -> PathBuf {
        self.data.path().join("desk.key")
    }

    /// The bytes of the staff store and its WAL, once the app has let go of them (unchanged for
    /// half a second). The -shm file is SQLite's shared-memory index, not data, and is left out.
    pub async fn settled_store_files(&self) -> Result<Vec<(String, Vec<u8>)>> {
        let read = || {
            ["desk.db", "desk.db-wal"]
                .iter()
                .filter_map(|f| {
                    std::fs::read(self.data.path().join(f))
                        .ok()
                        .map(|b| (f.to_string(), b))
                })
                .collect::<Vec<_>>()
        };
        let mut last = read();
        for _ in 0..40 {
            tokio::time::sleep(Duration::from_millis(500)).await;
            let now = read();
            if now == last {
                return Ok(now);
            }
            last = now;
        }
        bail!("the store files kept changing")
    }

    /// Start the app through tauri-driver and connect a WebDriver session to it.
    pub async fn launch(&self, build: Build) -> Result<App> {
        self.launch_with(build, &[]).await
    }

    /// [`Workstation::launch`] with extra environment for the app (e.g. a short lock time).
    pub async fn launch_with(&self, build: Build, env: &[(&str, &str)]) -> Result<App> {
        let port = free_port();
        let native_port = free_port();
        let log = std::fs::File::create(self.data.path().join(format!("driver-{port}.log")))?;
        let driver = Command::new("tauri-driver")
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .env("LIBGL_ALWAYS_SOFTWARE", "1")
            .env("CLINIC_SERVER_URL", &self.server_url)
            .env("CLINIC_DESK_DATA", self.data.path())
            .env("CLINIC_DESK_KEY_FILE", self.key_file())
            .env("CLINIC_DESK_DEVICE_NAME", "e2e workstation")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .context("start tauri-driver (scripts/setup.sh installs it)")?;
        let driver = Terminating(driver);
        wait_for_port(port, Duration::from_secs(20))?;
        let application = binary(match build {
            Build::Staff => "clinic-desk",
            Build::Patient => "clinic-patient",
        });
        let mut caps = serde_json::Map::new();
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": application.to_str().unwrap() }),
        );
        let client = ClientBuilder::native()
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .context("WebDriver session with the desk app")?;
        let app = App {
            client: Some(client),
            _driver: driver,
        };
        app.wait_until_mounted().await?;
        Ok(app)
    }
}

/// A running desk app under WebDriver.
pub struct App {
    client: Option<Client>,
    _driver: Terminating,
}

pub const TAB: &str = "\u{E004}";
pub const ENTER: &str = "\u{E007}";

impl App {
    pub fn client(&self) -> &Client {
        self.client.as_ref().expect("session open")
    }

    pub async fn wait_for(&self, css: &str) -> Result<fantoccini::elements::Element> {
        match self
            .client()
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(css))
            .await
        {
            Ok(element) => Ok(element),
            Err(e) => {
                let errors = self
                    .client()
                    .execute("return String(window.__consoleErrors || '')", vec![])
                    .await
                    .unwrap_or_default();
                eprintln!("console errors: {errors}");
                let source = self.client().source().await.unwrap_or_default();
                let _ = self.screenshot("failure").await;
                let excerpt: String = source.chars().take(12000).collect();
                bail!("waiting for {css}: {e}; the page was: {excerpt}")
            }
        }
    }

    /// Wait for the UI to put its first element on the page. A debug build's wasm is large
    /// and a loaded machine compiles it slowly, so this waits longer than [`App::wait_for`].
    async fn wait_until_mounted(&self) -> Result<()> {
        let mounted = self
            .client()
            .wait()
            .at_most(Duration::from_secs(90))
            .for_element(Locator::Css("body > *"))
            .await;
        if let Err(e) = mounted {
            let errors = self
                .client()
                .execute("return String(window.__consoleErrors || '')", vec![])
                .await
                .unwrap_or_default();
            bail!("the UI never mounted: {e}; console errors: {errors}");
        }
        Ok(())
    }

    /// Click the element, again if a re-render replaced it between finding and clicking.
    pub async fn click(&self, css: &str) -> Result<()> {
        let start = Instant::now();
        loop {
            let attempt = async {
                self.wait_for(css)
                    .await?
                    .click()
                    .await
                    .map_err(anyhow::Error::from)
            };
            match attempt.await {
                Ok(()) => return Ok(()),
                Err(e)
                    if start.elapsed() < Duration::from_secs(10)
                        && (e.to_string().contains("tale")
                            || e.to_string().contains("not found")) =>
                {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Wait until the element's text satisfies `want`; returns the text.
    pub async fn wait_for_text(&self, css: &str, want: impl Fn(&str) -> bool) -> Result<String> {
        let start = Instant::now();
        let mut last = String::new();
        while start.elapsed() < Duration::from_secs(20) {
            if let Ok(el) = self.client().find(Locator::Css(css)).await {
                if let Ok(text) = el.text().await {
                    if want(&text) {
                        return Ok(text);
                    }
                    last = text;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // What the screen said instead: its error banners, and a picture of it.
        let mut banners = Vec::new();
        if let Ok(found) = self
            .client()
            .find_all(Locator::Css(".banner.error, .field-error"))
            .await
        {
            for el in found {
                if let Ok(text) = el.text().await {
                    banners.push(text);
                }
            }
        }
        let _ = self.screenshot("failure").await;
        bail!("{css} never showed the expected text; last seen: {last:?}; errors on screen: {banners:?}")
    }

    pub async fn text(&self, css: &str) -> Result<String> {
        Ok(self.wait_for(css).await?.text().await?)
    }

    /// Type into whatever has the keyboard focus, as a person at the keyboard would.
    pub async fn type_keys(&self, keys: &str) -> Result<()> {
        self.client()
            .active_element()
            .await?
            .send_keys(keys)
            .await?;
        Ok(())
    }

    /// Wait until the element with `id` has the keyboard focus (autofocus lands a moment after
    /// the screen renders).
    pub async fn wait_for_focus(&self, id: &str) -> Result<()> {
        let start = Instant::now();
        let mut last = String::new();
        while start.elapsed() < Duration::from_secs(10) {
            last = self.focused_id().await.unwrap_or_default();
            if last == id {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!("#{id} never got the focus; #{last} has it")
    }

    /// Sign in as a person at the keyboard: the email field has the focus on the sign-in screen,
    /// Tab moves to the password, Enter submits.
    pub async fn sign_in_by_keyboard(&self, email: &str, password: &str) -> Result<()> {
        self.wait_for("#sign-in").await?;
        self.wait_for_focus("email").await?;
        self.type_keys(email).await?;
        self.type_keys(TAB).await?;
        self.type_keys(password).await?;
        self.type_keys(ENTER).await
    }

    /// Fill the sign-in form afresh (whatever it held) and press Enter.
    pub async fn fill_sign_in(&self, email: &str, password: &str) -> Result<()> {
        let field = self.wait_for("#sign-in #email").await?;
        field.clear().await?;
        field.send_keys(email).await?;
        let field = self.wait_for("#sign-in #password").await?;
        field.clear().await?;
        field.send_keys(&format!("{password}{ENTER}")).await?;
        Ok(())
    }

    /// The id of the focused element.
    pub async fn focused_id(&self) -> Result<String> {
        Ok(self
            .client()
            .active_element()
            .await?
            .attr("id")
            .await?
            .unwrap_or_default())
    }

    /// Call a desk command straight from the page, as a script in the window could; returns
    /// `Ok(answer)` or `Err(rejection)` as JSON text.
    pub async fn invoke_from_page(
        &self,
        command: &str,
    ) -> Result<std::result::Result<String, String>> {
        let script = "const [cmd, done] = arguments; window.__TAURI__.core.invoke(cmd).then(\
            v => done({ok: JSON.stringify(v)}), e => done({err: typeof e === 'string' ? e : JSON.stringify(e)}));";
        let answer = self
            .client()
            .execute_async(script, vec![serde_json::json!(command)])
            .await?;
        Ok(match (answer["ok"].as_str(), answer["err"].as_str()) {
            (Some(ok), _) => Ok(ok.to_owned()),
            (_, Some(err)) => Err(err.to_owned()),
            _ => bail!("unexpected answer {answer}"),
        })
    }

    /// Save a screenshot as e2e-screenshots/NAME.png.
    /// Choose `bytes` as the file called `name` in the file input with id `input`, as a person
    /// picking it in the file dialog would (the input's change event fires).
    pub async fn choose_file(&self, input: &str, name: &str, bytes: &[u8]) -> Result<()> {
        self.client()
            .execute(
                "const [id, name, bytes] = arguments;
                 const file = new File([new Uint8Array(bytes)], name);
                 const picked = new DataTransfer(); picked.items.add(file);
                 const input = document.getElementById(id); input.files = picked.files;
                 input.dispatchEvent(new Event('change', { bubbles: true }));",
                vec![input.into(), name.into(), serde_json::json!(bytes)],
            )
            .await?;
        Ok(())
    }

    pub async fn screenshot(&self, name: &str) -> Result<PathBuf> {
        let png = tokio::time::timeout(Duration::from_secs(30), self.client().screenshot())
            .await
            .context("screenshot timed out")??;
        let dir = workspace_root().join("e2e-screenshots");
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png)?;
        Ok(path)
    }

    pub async fn close(mut self) -> Result<()> {
        if let Some(client) = self.client.take() {
            client.close().await?;
        }
        Ok(())
    }
}

/// A network path from one workstation to the server that can be cut: that desk goes offline
/// while the others stay online. Forwards TCP on its own loopback port to the server's.
pub struct Relay {
    pub url: String,
    open: std::sync::Arc<std::sync::atomic::AtomicBool>,
    connections: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
    accept: tokio::task::JoinHandle<()>,
}

impl Relay {
    pub async fn start(server_port: u16) -> Result<Relay> {
        use std::sync::atomic::Ordering;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let open = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let connections: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>> =
            Default::default();
        let accept = {
            let (open, connections) = (open.clone(), connections.clone());
            tokio::spawn(async move {
                while let Ok((mut inbound, _)) = listener.accept().await {
                    if !open.load(Ordering::SeqCst) {
                        // Cut: the connection is refused as a dead network would.
                        drop(inbound);
                        continue;
                    }
                    let task = tokio::spawn(async move {
                        if let Ok(mut outbound) =
                            tokio::net::TcpStream::connect(("127.0.0.1", server_port)).await
                        {
                            let _ =
                                tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                        }
                    });
                    connections.lock().unwrap().push(task);
                }
            })
        };
        Ok(Relay {
            url,
            open,
            connections,
            accept,
        })
    }

    /// Cut the path: open connections drop and new ones fail.
    pub fn cut(&self) {
        self.open.store(false, std::sync::atomic::Ordering::SeqCst);
        for task in self.connections.lock().unwrap().drain(..) {
            task.abort();
        }
    }

    pub fn restore(&self) {
        self.open.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.cut();
        self.accept.abort();
    }
}

/// A stand-in for a Jitsi server, on the loopback: every page it serves reports, to the stand-in
/// itself, the address it was opened with (room, token, options), whether WebRTC is there,
/// whether the app's command bridge is there and answers; then it tries to open a window and to
/// go elsewhere (a second listener that counts who arrives).
pub struct JitsiStandIn {
    pub url: String,
    reports: std::sync::Arc<std::sync::Mutex<Vec<serde_json::Value>>>,
    elsewhere_hits: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

const STAND_IN_PAGE: &str = r#"<!doctype html><html><head><meta charset="utf-8"><title>Stand-in Jitsi</title>
<style>body{font-family:sans-serif;background:#1b2733;color:#e8eef2;padding:40px}</style></head>
<body><h1>Stand-in Jitsi</h1><p>Room: <span id="room"></span></p><p id="state">checking…</p>
<script>
(async function () {
  const report = {
    path: location.pathname, search: location.search, hash: decodeURIComponent(location.hash),
    rtc: typeof window.RTCPeerConnection !== 'undefined',
    media: !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia),
    tauri: typeof window.__TAURI__ !== 'undefined',
    internals: typeof window.__TAURI_INTERNALS__ !== 'undefined'
  };
  document.getElementById('room').textContent = location.pathname.slice(1);
  const timeout = new Promise(function (resolve) { setTimeout(function () { resolve('no answer'); }, 2000); });
  const attempt = (async function () {
    try {
      if (window.__TAURI_INTERNALS__ && window.__TAURI_INTERNALS__.invoke) {
        await window.__TAURI_INTERNALS__.invoke('me', {});
        return 'allowed';
      }
      return 'no bridge';
    } catch (e) { return 'refused: ' + String(e); }
  })();
  report.invoke = await Promise.race([attempt, timeout]);
  document.getElementById('state').textContent = 'WebRTC: ' + report.rtc + ', app commands: ' + report.invoke;
  await fetch('/report', { method: 'POST', body: JSON.stringify(report) });
  try { window.open('ELSEWHERE/popup'); } catch (e) {}
  setTimeout(function () { location.href = 'ELSEWHERE/escaped'; }, 300);
})();
</script></body></html>"#;

impl JitsiStandIn {
    pub async fn start() -> Result<JitsiStandIn> {
        use std::sync::atomic::Ordering;
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let elsewhere = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let page =
            STAND_IN_PAGE.replace("ELSEWHERE", &format!("http://{}", elsewhere.local_addr()?));
        let reports: std::sync::Arc<std::sync::Mutex<Vec<serde_json::Value>>> = Default::default();
        let elsewhere_hits: std::sync::Arc<std::sync::atomic::AtomicUsize> = Default::default();
        let serve = {
            let reports = reports.clone();
            tokio::spawn(async move {
                while let Ok((mut stream, _)) = listener.accept().await {
                    let (reports, page) = (reports.clone(), page.clone());
                    tokio::spawn(async move {
                        let mut request = Vec::new();
                        let mut chunk = [0u8; 4096];
                        let head_end = loop {
                            let Ok(n) = stream.read(&mut chunk).await else {
                                return;
                            };
                            if n == 0 {
                                return;
                            }
                            request.extend_from_slice(&chunk[..n]);
                            if let Some(i) = request.windows(4).position(|w| w == b"\r\n\r\n") {
                                break i + 4;
                            }
                        };
                        let head = String::from_utf8_lossy(&request[..head_end]).to_string();
                        let length = head
                            .lines()
                            .find_map(|l| {
                                let (name, value) = l.split_once(':')?;
                                name.eq_ignore_ascii_case("content-length")
                                    .then(|| value.trim().parse::<usize>().ok())?
                            })
                            .unwrap_or(0);
                        while request.len() < head_end + length {
                            let Ok(n) = stream.read(&mut chunk).await else {
                                return;
                            };
                            if n == 0 {
                                break;
                            }
                            request.extend_from_slice(&chunk[..n]);
                        }
                        let answer = if head.starts_with("POST /report") {
                            let body = &request[head_end..(head_end + length).min(request.len())];
                            if let Ok(report) = serde_json::from_slice(body) {
                                reports.lock().unwrap().push(report);
                            }
                            "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n".to_owned()
                        } else {
                            format!(
                                "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\
                                 Content-Length: {}\r\nConnection: close\r\n\r\n{page}",
                                page.len()
                            )
                        };
                        let _ = stream.write_all(answer.as_bytes()).await;
                        let _ = stream.shutdown().await;
                    });
                }
            })
        };
        let watch = {
            let hits = elsewhere_hits.clone();
            tokio::spawn(async move {
                while let Ok((mut stream, _)) = elsewhere.accept().await {
                    hits.fetch_add(1, Ordering::SeqCst);
                    let _ = stream
                        .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\nConnection: close\r\n\r\nescaped")
                        .await;
                }
            })
        };
        Ok(JitsiStandIn {
            url,
            reports,
            elsewhere_hits,
            tasks: vec![serve, watch],
        })
    }

    /// The first report a page made, waiting up to `timeout` for it.
    pub async fn report(&self, timeout: Duration) -> Result<serde_json::Value> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(report) = self.reports.lock().unwrap().first().cloned() {
                return Ok(report);
            }
            if Instant::now() > deadline {
                bail!("the call window never loaded the stand-in page");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn reports(&self) -> usize {
        self.reports.lock().unwrap().len()
    }

    /// How many requests reached the address the page tried to leave for.
    pub fn elsewhere_hits(&self) -> usize {
        self.elsewhere_hits
            .load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Drop for JitsiStandIn {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// The sync server's HTTP API, signed in as one person: to put in place what an end-to-end story
/// starts from (an appointment in the book, say) without going through another app's screens.
pub struct ServerApi {
    http: reqwest::Client,
    url: String,
    token: String,
}

impl ServerApi {
    pub async fn sign_in(server_url: &str, login: &Login) -> Result<ServerApi> {
        let http = reqwest::Client::new();
        let grant: serde_json::Value = http
            .post(format!("{server_url}/api/v1/sessions"))
            .json(&serde_json::json!({"email": login.email, "password": login.password}))
            .send()
            .await?
            .json()
            .await?;
        Ok(ServerApi {
            http,
            url: server_url.to_owned(),
            token: grant["token"]
                .as_str()
                .context("a session token")?
                .to_owned(),
        })
    }

    pub async fn get(&self, path: &str) -> Result<serde_json::Value> {
        Ok(self
            .http
            .get(format!("{}{path}", self.url))
            .bearer_auth(&self.token)
            .send()
            .await?
            .json()
            .await?)
    }

    /// Push one command; its outcome.
    pub async fn push(&self, command: serde_json::Value) -> Result<serde_json::Value> {
        let envelope = serde_json::json!({"version": 1, "id": uuid::Uuid::now_v7(),
            "issued_at": chrono::Utc::now(), "issued_by": uuid::Uuid::nil(), "command": command});
        let answer: serde_json::Value = self
            .http
            .post(format!("{}/api/v1/sync/push", self.url))
            .bearer_auth(&self.token)
            .json(&serde_json::json!({"commands": [envelope]}))
            .send()
            .await?
            .json()
            .await?;
        Ok(answer["outcomes"][0].clone())
    }

    /// A doctor's id, by the name the directory shows.
    pub async fn doctor_id(&self, name: &str) -> Result<String> {
        let doctors = self.get("/api/v1/doctors").await?;
        Ok(doctors
            .as_array()
            .context("doctors")?
            .iter()
            .find(|d| d["display_name"] == name)
            .and_then(|d| d["id"].as_str())
            .with_context(|| format!("no doctor {name}"))?
            .to_owned())
    }

    /// The patients' records this person may pull, in change-log order.
    pub async fn patients(&self) -> Result<Vec<serde_json::Value>> {
        let pulled = self.get("/api/v1/sync/pull?after=0&limit=500").await?;
        Ok(pulled["changes"]
            .as_array()
            .context("changes")?
            .iter()
            .filter(|c| c["kind"] == "patient")
            .cloned()
            .collect())
    }

    /// Queue `patient` as a walk-in with `doctor` (in person or "video"); today, always.
    pub async fn walk_in(&self, patient: &str, doctor: &str, consultation: &str) -> Result<()> {
        let outcome = self
            .push(serde_json::json!({"kind": "book_appointment",
                "appointment": uuid::Uuid::now_v7(), "patient": patient, "doctor": doctor,
                "consultation": consultation, "origin": "walk_in", "start": null}))
            .await?;
        anyhow::ensure!(outcome["outcome"] == "applied", "{outcome}");
        Ok(())
    }
}

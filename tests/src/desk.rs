//! The real desk binaries under Xvfb, driven through tauri-driver + WebKitWebDriver.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use fantoccini::{Client, ClientBuilder, Locator};

use crate::*;

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

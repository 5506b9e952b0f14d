//! What stands in for the network and for Jitsi: a relay that drops connections, a local page
//! that records what the app asked of the video server.

use std::time::{Duration, Instant};

use anyhow::{bail, Result};

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

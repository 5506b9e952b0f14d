//! Desk app launch and idle memory: `bash scripts/bench.sh` (builds release, runs under Xvfb).
//!
//! Launch: wall time from asking tauri-driver for a session (which starts the app) until the
//! sign-in screen is in the page — an upper bound, since it includes the WebDriver handshake —
//! and, from inside the page, the time from navigation start to the first contentful paint.
//! Memory: PSS of the app and its WebKit processes after 5 s idle on the sign-in screen.

use std::time::{Duration, Instant};

use clinic_tests::{Build, SyncServer, Workstation};

fn pss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("Pss:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn children(pid: u32) -> Vec<u32> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect()
}

fn name(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .unwrap_or_default()
        .trim()
        .to_owned()
}

fn app_pid(binary: &std::path::Path) -> Option<u32> {
    let out = std::process::Command::new("pgrep")
        .args(["-f", "-n", binary.to_str()?])
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let server = SyncServer::start_demo()?;
    let mut walls = Vec::new();
    let mut paints = Vec::new();
    for round in 0..6 {
        let station = Workstation::new(&server.url)?;
        let start = Instant::now();
        let app = station.launch(Build::Staff).await?;
        app.wait_for("#sign-in").await?;
        let wall = start.elapsed();
        let paint = app
            .client()
            .execute(
                "const e = performance.getEntriesByType('paint').find(p => p.name === 'first-contentful-paint'); return e ? e.startTime : null;",
                vec![],
            )
            .await?;
        if round > 0 {
            // The first round warms the disk cache; it is not counted.
            walls.push(wall);
            if let Some(ms) = paint.as_f64() {
                paints.push(ms);
            }
        }
        if round == 5 {
            tokio::time::sleep(Duration::from_secs(5)).await;
            let binary = clinic_tests::binary("clinic-desk");
            if let Some(pid) = app_pid(&binary) {
                let mut total = pss_kib(pid);
                println!("idle PSS after 5 s on the sign-in screen:");
                println!("  {:<22} {:>8} KiB", name(pid), total);
                let mut stack = children(pid);
                while let Some(child) = stack.pop() {
                    let kib = pss_kib(child);
                    total += kib;
                    println!("  {:<22} {:>8} KiB", name(child), kib);
                    stack.extend(children(child));
                }
                println!(
                    "  {:<22} {:>8} KiB ({:.1} MiB)",
                    "total",
                    total,
                    total as f64 / 1024.0
                );
            }
        }
        app.close().await?;
    }
    walls.sort();
    let median = walls[walls.len() / 2];
    println!(
        "launch to sign-in screen via tauri-driver (median of {}): {:.0} ms (min {:.0}, max {:.0})",
        walls.len(),
        median.as_secs_f64() * 1000.0,
        walls[0].as_secs_f64() * 1000.0,
        walls[walls.len() - 1].as_secs_f64() * 1000.0
    );
    if paints.is_empty() {
        println!("first contentful paint: not reported by this WebKit");
    } else {
        paints.sort_by(f64::total_cmp);
        println!(
            "navigation start to first contentful paint (median): {:.0} ms",
            paints[paints.len() / 2]
        );
    }
    Ok(())
}

//! Desk app launch and idle memory: `bash scripts/bench.sh` (release build, under Xvfb).
//!
//! Launch: the release binary is started directly (no WebDriver in between) and timed until it
//! logs "first screen rendered" — the UI asks the desk for its startup facts right after its first
//! render. Memory: PSS of the app and its WebKit processes after 5 s idle on the sign-in screen.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use clinic_tests::{binary, SyncServer};

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

fn print_memory(pid: u32) {
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

fn main() -> anyhow::Result<()> {
    let server = SyncServer::start_demo()?;
    let app = binary("clinic-desk");
    let mut launches = Vec::new();
    const ROUNDS: usize = 6;
    for round in 0..ROUNDS {
        let data = tempfile::tempdir()?;
        let start = Instant::now();
        let mut child = Command::new(&app)
            .env("CLINIC_SERVER_URL", &server.url)
            .env("CLINIC_DESK_DATA", data.path())
            .env("CLINIC_DESK_KEY_FILE", data.path().join("desk.key"))
            .env("CLINIC_DESK_LOG", "info")
            .env("LIBGL_ALWAYS_SOFTWARE", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()?;
        let stderr = child.stderr.take().expect("piped");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.contains("first screen rendered") {
                    let _ = tx.send(line);
                }
            }
        });
        let line = rx.recv_timeout(Duration::from_secs(60))?;
        let wall = start.elapsed();
        if round == 0 {
            println!(
                "(first launch, not counted: {:.0} ms; {line})",
                wall.as_secs_f64() * 1000.0
            );
        } else {
            launches.push(wall);
        }
        if round == ROUNDS - 1 {
            std::thread::sleep(Duration::from_secs(5));
            print_memory(child.id());
        }
        Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status()?;
        let _ = child.wait();
    }
    launches.sort();
    println!(
        "launch to first rendered screen (median of {}): {:.0} ms (min {:.0}, max {:.0})",
        launches.len(),
        launches[launches.len() / 2].as_secs_f64() * 1000.0,
        launches[0].as_secs_f64() * 1000.0,
        launches[launches.len() - 1].as_secs_f64() * 1000.0
    );
    Ok(())
}

//! The harness for end-to-end tests: the real `clinic-sync` binary on a loopback port, and the
//! real desk binaries under Xvfb driven through tauri-driver + WebKitWebDriver.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

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

mod api;
mod desk;
mod server;
mod stand_ins;

pub use api::ServerApi;
pub use desk::*;
pub use server::*;
pub use stand_ins::*;

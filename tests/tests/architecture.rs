//! The dependency rules of ARCHITECTURE.md, checked from `cargo metadata`.

use std::collections::{BTreeSet, HashMap};

use clinic_tests::workspace_root;

/// Every package reachable from `root` through normal (non-dev, non-build) dependencies.
fn reachable(meta: &serde_json::Value, root: &str, target: Option<&str>) -> BTreeSet<String> {
    let names: HashMap<&str, &str> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    let nodes: HashMap<&str, &serde_json::Value> = meta["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["id"].as_str().unwrap(), n))
        .collect();
    let root_id = names
        .iter()
        .find(|(_, n)| **n == root)
        .map(|(id, _)| *id)
        .expect("root package");
    let mut seen = BTreeSet::new();
    let mut stack = vec![root_id];
    while let Some(id) = stack.pop() {
        for dep in nodes[id]["deps"].as_array().unwrap() {
            let normal = dep["dep_kinds"].as_array().unwrap().iter().any(|k| {
                k["kind"].is_null()
                    && match (target, k["target"].as_str()) {
                        (_, None) => true,
                        (Some(t), Some(cfg)) => cfg.contains(t),
                        (None, Some(_)) => true,
                    }
            });
            let dep_id = dep["pkg"].as_str().unwrap();
            if normal && seen.insert(names[dep_id].to_owned()) {
                stack.push(dep_id);
            }
        }
    }
    seen
}

fn metadata(filter_platform: Option<&str>) -> serde_json::Value {
    let mut cmd = std::process::Command::new(clinic_tests::cargo());
    cmd.args(["metadata", "--format-version", "1"])
        .current_dir(workspace_root());
    if let Some(p) = filter_platform {
        cmd.args(["--filter-platform", p]);
    }
    let out = cmd.output().expect("cargo metadata");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn assert_none(package: &str, deps: &BTreeSet<String>, forbidden: &[&str], why: &str) {
    let found: Vec<_> = forbidden.iter().filter(|f| deps.contains(**f)).collect();
    assert!(
        found.is_empty(),
        "{package} must not depend on {found:?}: {why}"
    );
}

#[test]
fn clinic_core_does_no_io() {
    let meta = metadata(Some("x86_64-unknown-linux-gnu"));
    let deps = reachable(&meta, "clinic-core", None);
    assert_none(
        "clinic-core",
        &deps,
        &[
            "tokio",
            "async-std",
            "smol",
            "futures",
            "mio",
            "reqwest",
            "hyper",
            "sqlx",
            "rusqlite",
            "libsqlite3-sys",
            "axum",
            "tauri",
            "keyring",
        ],
        "the domain core is pure: no IO, no async runtime, no SQL, no clock",
    );
    assert!(
        deps.contains("chrono") && deps.contains("serde"),
        "sanity: the graph was read: {deps:?}"
    );
}

#[test]
fn the_ui_knows_only_the_core() {
    let meta = metadata(None);
    let deps = reachable(&meta, "clinic-ui", None);
    assert_none(
        "clinic-ui",
        &deps,
        &[
            "clinic-store",
            "clinic-sync-client",
            "clinic-desk",
            "clinic-desk-app",
            "clinic-sync",
            "rusqlite",
            "sqlx",
            "tauri",
        ],
        "the UI talks to the desk only through Tauri commands",
    );
    assert!(deps.contains("clinic-core"));
}

#[test]
fn the_server_knows_neither_the_store_nor_the_desk() {
    let meta = metadata(None);
    let deps = reachable(&meta, "clinic-sync", None);
    assert_none(
        "clinic-sync",
        &deps,
        &[
            "clinic-store",
            "clinic-desk",
            "clinic-desk-app",
            "clinic-sync-client",
            "rusqlite",
            "tauri",
        ],
        "the server has its own storage; the desk's store and shell are not its business",
    );
}

#[test]
fn only_the_desk_knows_tauri_and_only_the_server_knows_axum() {
    let meta = metadata(None);
    for package in [
        "clinic-core",
        "clinic-store",
        "clinic-sync-client",
        "clinic-ui",
        "clinic-sync",
        "clinic-desk",
    ] {
        let deps = reachable(&meta, package, None);
        assert_none(
            package,
            &deps,
            &["tauri", "wry"],
            "only src-tauri (clinic-desk-app) knows Tauri; the desk service is testable without it",
        );
    }
    for package in [
        "clinic-core",
        "clinic-store",
        "clinic-sync-client",
        "clinic-ui",
        "clinic-desk",
        "clinic-desk-app",
    ] {
        let deps = reachable(&meta, package, None);
        assert_none(
            package,
            &deps,
            &["axum", "sqlx"],
            "only the server knows axum and sqlx",
        );
    }
}

/// Every `.rs` file under the workspace's crates (not `target`, not generated output).
fn rust_sources() -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![workspace_root()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                if !name.starts_with('.')
                    && !["target", "node_modules", "dist", "gen"].contains(&name.as_str())
                {
                    stack.push(path);
                }
            } else if name.ends_with(".rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The names between the quotes that follow `marker` in `text` (`call("sign_in"` → `sign_in`).
fn quoted_after(text: &str, marker: &str) -> std::collections::BTreeSet<String> {
    text.split(marker)
        .skip(1)
        .filter_map(|rest| {
            let rest = rest.trim_start().strip_prefix('"')?;
            Some(rest.split('"').next()?.to_owned())
        })
        .collect()
}

/// A desk command exists once: its handler in `commands.rs`, registered with Tauri, declared in
/// the build script, granted to a window by a capability; and the UI calls only commands that
/// exist. (The list is written in these places; this says they agree.)
#[test]
fn every_desk_command_is_handled_registered_declared_and_granted() {
    let root = workspace_root();
    let read = |path: &str| std::fs::read_to_string(root.join(path)).unwrap();
    let commands = read("src-tauri/src/commands.rs");
    let handlers: BTreeSet<String> = commands
        .split("#[tauri::command]")
        .skip(1)
        .filter_map(|rest| rest.split("pub ").nth(1))
        .filter_map(|rest| rest.trim_start_matches("async ").strip_prefix("fn "))
        .filter_map(|rest| rest.split('(').next())
        .map(str::to_owned)
        .collect();
    assert!(
        handlers.len() > 40,
        "sanity: the handlers were read: {handlers:?}"
    );
    let lib = read("src-tauri/src/lib.rs");
    let registered: BTreeSet<String> = lib
        .split("generate_handler![")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .unwrap_or_default()
        .split(',')
        .filter_map(|c| c.trim().strip_prefix("commands::"))
        .map(str::to_owned)
        .collect();
    assert_eq!(registered, handlers, "registered with Tauri = the handlers");
    let build = read("src-tauri/build.rs");
    let declared: BTreeSet<String> = build
        .split(".commands(&[")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .unwrap_or_default()
        .split(',')
        .filter_map(|c| Some(c.trim().strip_prefix('"')?.strip_suffix('"')?.to_owned()))
        .collect();
    assert_eq!(declared, handlers, "declared in build.rs = the handlers");
    let mut granted = BTreeSet::new();
    for capability in ["desk", "patient"] {
        let text = read(&format!("src-tauri/capabilities/{capability}.json"));
        for permission in text.split('"').filter_map(|t| t.strip_prefix("allow-")) {
            granted.insert(permission.replace('-', "_"));
        }
    }
    let unknown: Vec<_> = granted.difference(&handlers).collect();
    assert!(
        unknown.is_empty(),
        "capabilities grant commands that do not exist: {unknown:?}"
    );
    let ungranted: Vec<_> = handlers.difference(&granted).collect();
    assert!(
        ungranted.is_empty(),
        "commands no window may call: {ungranted:?}"
    );
    let called = quoted_after(&read("ui/src/backend.rs"), "call(");
    assert!(
        called.len() > 40,
        "sanity: the UI's calls were read: {called:?}"
    );
    let missing: Vec<_> = called.difference(&handlers).collect();
    assert!(
        missing.is_empty(),
        "the UI calls commands the desk does not have: {missing:?}"
    );
}

/// A clinic rule is judged once, in the core, by a function the desk and the server both call.
#[test]
fn only_clinic_core_defines_a_judge() {
    let root = workspace_root();
    let core = root.join("crates/clinic-core");
    let mut judges_in_core = 0;
    let mut elsewhere = Vec::new();
    for file in rust_sources() {
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim_start();
            let defines = [
                "fn judge",
                "pub fn judge",
                "pub(crate) fn judge",
                "pub(super) fn judge",
            ]
            .iter()
            .any(|p| line.starts_with(p));
            if !defines {
                continue;
            }
            if file.starts_with(&core) {
                judges_in_core += 1;
            } else {
                let shown = file.strip_prefix(&root).unwrap().display().to_string();
                elsewhere.push(format!("{shown}:{}", n + 1));
            }
        }
    }
    assert!(
        elsewhere.is_empty(),
        "judges outside clinic-core: {elsewhere:?}"
    );
    assert!(judges_in_core >= 4, "sanity: the core's judges were found");
}

/// No file passes ~800 lines: a longer one is two files.
#[test]
fn no_file_grows_past_800_lines() {
    let root = workspace_root();
    let mut too_long = Vec::new();
    for file in rust_sources() {
        let shown = file.strip_prefix(&root).unwrap().display().to_string();
        let lines = std::fs::read_to_string(&file).unwrap().lines().count();
        let allowed = 800;
        if lines > allowed {
            too_long.push(format!("{shown}: {lines} lines (at most {allowed})"));
        }
    }
    assert!(too_long.is_empty(), "split these: {too_long:?}");
}

/// Logic lives in functions rustfmt, clippy and go-to-definition reach: a `macro_rules!` body is
/// a few lines (a column list, a status list), never an engine.
#[test]
fn no_macro_is_longer_than_forty_lines() {
    let root = workspace_root();
    let mut long = Vec::new();
    let mut macros = 0;
    for file in rust_sources() {
        let text = std::fs::read_to_string(&file).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (n, line) in lines.iter().enumerate() {
            if !line.trim_start().starts_with("macro_rules!") {
                continue;
            }
            macros += 1;
            let indent = line.len() - line.trim_start().len();
            let closing = format!("{}}}", " ".repeat(indent));
            let end = lines[n + 1..]
                .iter()
                .position(|l| l.starts_with(&closing) && l.trim() == "}")
                .map_or(lines.len(), |i| n + 1 + i);
            if end - n > 40 {
                let shown = file.strip_prefix(&root).unwrap().display().to_string();
                long.push(format!("{shown}:{}: {} lines", n + 1, end - n));
            }
        }
    }
    assert!(long.is_empty(), "turn these into functions: {long:?}");
    assert!(macros > 0, "sanity: the short macros were found");
}

#[test]
fn chrono_in_the_core_has_no_clock() {
    let text = std::fs::read_to_string(workspace_root().join("Cargo.toml")).unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("chrono ="))
        .expect("chrono in workspace deps");
    assert!(
        line.contains("default-features = false") && !line.contains("clock"),
        "{line}"
    );
    let core =
        std::fs::read_to_string(workspace_root().join("crates/clinic-core/Cargo.toml")).unwrap();
    let core_line = core.lines().find(|l| l.starts_with("chrono")).unwrap();
    assert!(
        !core_line.contains("clock"),
        "clinic-core must not turn on chrono's clock: {core_line}"
    );
}

/// The call window holds a remote page: no capability may reach it (no capability, no IPC),
/// none may grant remote pages anything, and every command the desk has is declared in the
/// build script (undeclared commands skip the checks for local pages).
#[test]
fn no_capability_reaches_a_call_window_or_a_remote_page() {
    let root = clinic_tests::workspace_root().join("src-tauri");
    let mut seen = 0;
    for entry in std::fs::read_dir(root.join("capabilities")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let capability: serde_json::Value = serde_json::from_str(&text).unwrap();
        seen += 1;
        assert!(
            capability.get("remote").is_none(),
            "{} grants remote pages",
            path.display()
        );
        assert!(
            capability.get("webviews").is_none(),
            "{}: capabilities name windows, not webviews",
            path.display()
        );
        for window in capability["windows"].as_array().unwrap() {
            let window = window.as_str().unwrap();
            assert!(
                window == "main" || window == "patient",
                "{} names window {window:?}: only the app's own windows get commands",
                path.display()
            );
            assert!(!window.contains('*'), "{}: no patterns", path.display());
        }
    }
    assert!(seen >= 2, "the desk and patient capabilities were read");
    let build = std::fs::read_to_string(root.join("build.rs")).unwrap();
    let commands = std::fs::read_to_string(root.join("src/commands.rs")).unwrap();
    for name in commands
        .split("#[tauri::command]")
        .skip(1)
        .filter_map(|rest| rest.split("pub ").nth(1))
        .filter_map(|rest| rest.trim_start_matches("async ").strip_prefix("fn "))
        .filter_map(|rest| rest.split('(').next())
    {
        assert!(
            build.contains(&format!("\"{name}\"")),
            "the command {name} is not declared in src-tauri/build.rs"
        );
    }
}

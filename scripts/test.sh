#!/usr/bin/env bash
# The test command: installs what is missing, then runs every check and test of Clinic Desk.
# Starts its own PostgreSQL (loopback, temporary folder) and runs the end-to-end suite under Xvfb.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
# One target folder shared by every checkout on this machine: the second run is fast.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/clinic-desk/target}"
export CARGO_TERM_COLOR=never

step() { printf '\n=== %s\n' "$*"; }

step "setup"
bash scripts/setup.sh

step "format"
cargo fmt --all -- --check

step "the architecture rules (dependencies, judges only in the core, file sizes)"
cargo test --quiet -p clinic-tests --test architecture

step "clinic-core builds for wasm32 (no IO can sneak in)"
cargo build --quiet -p clinic-core --target wasm32-unknown-unknown

step "PostgreSQL for the server tests"
read -r PG_DIR CLINIC_TEST_POSTGRES_URL < <(bash scripts/test-postgres.sh)
export CLINIC_TEST_POSTGRES_URL
trap 'bash scripts/test-postgres.sh stop "$PG_DIR"' EXIT
echo "$CLINIC_TEST_POSTGRES_URL"

step "the desk UI (wasm) and the desk apps"
bash scripts/build-desk.sh

step "clippy"
cargo clippy --quiet --workspace --all-targets -- -D warnings

step "unit, UI state and i18n, store, server (SQLite + PostgreSQL) and client tests"
# (the OS-keyring test runs in its own step below, inside a private D-Bus session)
cargo test --workspace --exclude clinic-tests --exclude clinic-desk-app -- --skip the_os_keyring

step "the OS keyring, against a real Secret Service in a private D-Bus session"
dbus-run-session -- sh -c 'echo -n test | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; CLINIC_TEST_EXPECT_KEYRING=1 cargo test -p clinic-store --test os_keyring'

step "the OS keyring on a machine without one: the clear error"
env -u DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR=/nonexistent cargo test -p clinic-store --test os_keyring

step "end to end: the real desk binaries under Xvfb through tauri-driver"
rm -rf e2e-screenshots
bash scripts/e2e.sh
echo "screenshots: $(pwd)/e2e-screenshots"

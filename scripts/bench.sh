#!/usr/bin/env bash
# Runs every benchmark in release mode and prints the figures recorded in BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/clinic-desk/target}"
bash scripts/setup.sh

echo "== availability engine (in memory)"
cargo bench -q -p clinic-core --bench availability

echo "== doctor directory search (in memory)"
cargo bench -q -p clinic-core --bench directory

echo "== store (SQLCipher vs plain SQLite)"
cargo bench -q -p clinic-store --bench store

echo "== free slots from the encrypted store"
cargo bench -q -p clinic-store --bench free_slots

echo "== prescription PDF, two pages in Bangla and in English"
cargo bench -q -p clinic-print --bench prescription

echo "== invoice and receipt PDF, two pages in Bangla and in English"
cargo bench -q -p clinic-print --bench invoice

echo "== a chart of 200 entries from the encrypted store"
cargo bench -q -p clinic-store --bench chart

echo "== server (SQLite and PostgreSQL)"
read -r PG_DIR CLINIC_BENCH_POSTGRES_URL < <(bash scripts/test-postgres.sh)
export CLINIC_BENCH_POSTGRES_URL
trap 'bash scripts/test-postgres.sh stop "$PG_DIR"' EXIT
cargo bench -q -p clinic-sync --bench http

echo "== sync (push, pull, initial sync, change latency; SQLite and PostgreSQL)"
cargo bench -q -p clinic-sync --bench sync

echo "== bookings (64 concurrent desks; SQLite and PostgreSQL)"
cargo bench -q -p clinic-sync --bench booking

echo "== the consultation screen's data, the chart and the FHIR export with a 5-year history (SQLite and PostgreSQL)"
cargo bench -q -p clinic-sync --bench consultation

echo "== a 20 MB report uploaded and downloaded through the server (SQLite), against a file copy"
cargo bench -q -p clinic-sync --bench blobs

echo "== messages doctor → patient, one and 1,000 conversations at once (SQLite and PostgreSQL)"
cargo bench -q -p clinic-sync --bench chat

echo "== the payments dashboard's sums over a year of 500,000 invoice lines (SQLite and PostgreSQL)"
cargo bench -q -p clinic-sync --bench takings

echo "== desk app launch and idle memory (release build, Xvfb)"
PROFILE=release bash scripts/build-desk.sh
cargo build -q --release -p clinic-sync --bins
CLINIC_E2E_PROFILE=release xvfb-run -a -s "-screen 0 1366x768x24" cargo bench -q -p clinic-tests --bench desk_launch

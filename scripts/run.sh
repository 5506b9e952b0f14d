#!/usr/bin/env bash
# The run command: installs what is missing, builds, starts the sync server on its embedded SQLite
# (seeding a demo clinic on first start) and opens the desk app connected to it.
#   CLINIC_DATA   data folder (default: .data in the checkout)
#   CLINIC_PORT   server port (default: 8750)
#   CLINIC_BUILD  staff (default) or patient: which desk app to open
set -euo pipefail
# The data folder holds the demo sign-ins and the desk's key: readable by this user only.
umask 077
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/clinic-desk/target}"
data="$(realpath -m "${CLINIC_DATA:-.data}")"
port="${CLINIC_PORT:-8750}"
build="${CLINIC_BUILD:-staff}"
# TLS on a self-signed certificate the server makes once (in $data/server/tls); the desk pins
# it at its first connection and shows its fingerprint (CLINIC_TLS=off serves plain http).
scheme=https; [ "${CLINIC_TLS:-on}" = off ] && scheme=http
url="$scheme://127.0.0.1:$port"
mkdir -p "$data/server" "$data/desk"

bash scripts/setup.sh
echo "[run] building (the first build takes several minutes)" >&2
cargo build --quiet -p clinic-sync --bins
bash scripts/build-desk.sh

# (-k: only /health is asked here, to see whether a server answers; the desk verifies.)
healthy() { curl -fsSk --max-time 2 "$url/health" >/dev/null 2>&1; }

server_pid=""
if healthy; then
  echo "[run] a clinic-sync server already answers at $url: using it" >&2
else
  tls_setting=false; [ "$scheme" = https ] && tls_setting=true
  CLINIC_SYNC_DATA="$data/server" CLINIC_SYNC_TLS_SELF_SIGNED="$tls_setting" \
    "$CARGO_TARGET_DIR/debug/clinic-sync" serve --demo --listen "127.0.0.1:$port" \
    >"$data/server/stdout.log" 2>"$data/server/server.log" &
  server_pid=$!
  trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; wait 2>/dev/null || true' EXIT INT TERM
  for _ in $(seq 1 300); do healthy && break; kill -0 "$server_pid" 2>/dev/null || break; sleep 0.2; done
  if ! healthy; then
    echo "[run] clinic-sync did not start; its log says:" >&2
    tail -n 5 "$data/server/server.log" >&2
    exit 1
  fi
  # The server prints the demo sign-ins once, on the start that seeded them.
  grep -v "listening on" "$data/server/stdout.log" || true
  echo "[run] clinic-sync is serving $url (data: $data/server, sign-ins: $data/server/demo-credentials.txt)"
  fingerprint="$(grep -o 'fingerprint=[0-9A-F:]*' "$data/server/server.log" | tail -n 1 | cut -d= -f2)"
  [ -n "$fingerprint" ] && echo "[run] its TLS certificate's SHA-256 fingerprint (the desk shows the same): $fingerprint"
fi

app="$CARGO_TARGET_DIR/debug/clinic-desk"
[ "$build" = patient ] && app="$CARGO_TARGET_DIR/debug/clinic-patient"
export CLINIC_SERVER_URL="$url" CLINIC_DESK_DATA="$data/desk/$build"
if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
  # No desktop session bus, so no OS keyring: keep this workstation's key in a private file.
  export CLINIC_DESK_KEY_FILE="$data/desk/$build.key"
  echo "[run] no OS keyring session here: the desk's key is kept in $CLINIC_DESK_KEY_FILE" >&2
fi
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "[run] No display here (DISPLAY is not set), so the desk app cannot open; the server keeps running at $url — press Ctrl-C to stop it."
  if [ -n "$server_pid" ]; then wait "$server_pid"; fi
  exit 0
fi
echo "[run] opening the $build desk app" >&2
"$app"

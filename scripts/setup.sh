#!/usr/bin/env bash
# Installs what Clinic Desk needs on Debian 12, and nothing that is already there. Idempotent.
# Used by scripts/run.sh and scripts/test.sh; safe to run by hand.
set -euo pipefail

TAURI_DRIVER_VERSION=2.1.0
WASM_BINDGEN_VERSION=0.2.130

log() { printf '[setup] %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    log "need root to run: $*"; exit 1; fi
}

APT_PACKAGES=(
  libwebkit2gtk-4.1-dev build-essential pkg-config curl file libxdo-dev libssl-dev
  libayatana-appindicator3-dev librsvg2-dev xvfb xauth webkit2gtk-driver
  postgresql dbus-daemon gnome-keyring fonts-noto-core poppler-utils python3-jsonschema
  python3-venv
)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing system packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

export PATH="$HOME/.cargo/bin:$PATH"
if ! command -v cargo >/dev/null; then
  log "Rust is not installed: install it with rustup (https://rustup.rs), then run this again."
  exit 1
fi
for component in rustfmt clippy; do
  if ! rustup component list --installed | grep -q "^$component"; then
    log "adding the $component component"
    rustup component add "$component" >/dev/null
  fi
done
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown >/dev/null
fi

if ! cargo install --list | grep -q "^tauri-driver v$TAURI_DRIVER_VERSION:" || ! command -v tauri-driver >/dev/null; then
  log "installing tauri-driver $TAURI_DRIVER_VERSION (about a minute)"
  cargo install --quiet tauri-driver@"$TAURI_DRIVER_VERSION" --locked
fi
if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
  log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about four minutes)"
  # Not --locked: its lock file wants a crate version the registry no longer has.
  cargo install --quiet wasm-bindgen-cli@"$WASM_BINDGEN_VERSION"
fi

# The second FHIR validator of the export tests (fhir.resources, the R4 model), in a virtual
# environment of its own, at the versions scripts/fhir-requirements.txt pins.
FHIR_VENV="$HOME/.cache/clinic-desk/fhir-venv"
FHIR_REQUIREMENTS="$(dirname "$0")/fhir-requirements.txt"
if ! cmp -s "$FHIR_REQUIREMENTS" "$FHIR_VENV/requirements.txt" 2>/dev/null; then
  log "making the FHIR validator's Python environment (fhir.resources)"
  rm -rf "$FHIR_VENV"
  /usr/bin/python3 -m venv "$FHIR_VENV"
  "$FHIR_VENV/bin/pip" install --quiet --disable-pip-version-check -r "$FHIR_REQUIREMENTS"
  cp "$FHIR_REQUIREMENTS" "$FHIR_VENV/requirements.txt"
fi

#!/usr/bin/env bash
# Builds the UI to wasm, assembles ui/dist, then builds both desk binaries (staff and patient).
# PROFILE=release builds optimised binaries.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/clinic-desk/target}"
profile="${PROFILE:-debug}"
flag=(); [ "$profile" = release ] && flag=(--release)

# The UI is optimised even for debug desks (profile ui-dev: opt-level 1 with debug assertions), so
# the end-to-end suite runs in WebKit what ships, not an unoptimised 8.8 MB module.
ui_profile=ui-dev; [ "$profile" = release ] && ui_profile=release
cargo build --quiet -p clinic-ui --target wasm32-unknown-unknown --profile "$ui_profile"
mkdir -p ui/dist/fonts
wasm-bindgen --target web --no-typescript --out-dir ui/dist --out-name ui \
  "$CARGO_TARGET_DIR/wasm32-unknown-unknown/$ui_profile/clinic_ui.wasm"
cp ui/index.html ui/static/style.css ui/dist/
cp ui/static/fonts/*.ttf ui/dist/fonts/
# generate_context! embeds ui/dist when the desk crate compiles, and cargo does not track those
# files: a newer UI must make the crate compile again.
if [ -n "$(find ui/dist -newer src-tauri/src/lib.rs -type f | head -1)" ]; then
  touch src-tauri/src/lib.rs
fi
cargo build --quiet -p clinic-desk-app --bins "${flag[@]}"
echo "built: $CARGO_TARGET_DIR/$profile/clinic-desk and $CARGO_TARGET_DIR/$profile/clinic-patient" >&2

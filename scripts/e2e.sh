#!/usr/bin/env bash
# The end-to-end suite under Xvfb, one test at a time. WebKitGTK's web process (JavaScriptCore,
# Debian 12's 2.50.6) now and then crashes under load — a segfault in libjavascriptcoregtk, seen
# in the kernel log — and WebKitWebDriver then drops the session ("page crash or hang"). A test
# that failed for that reason, and only that, is run once more and must pass then; any other
# failure fails the suite at once. What was re-run is printed.
set -uo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
xvfb-run -a -s "-screen 0 1366x768x24" cargo test -p clinic-tests -- --test-threads=1 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
[ "$status" -eq 0 ] && exit 0
# Each failure's output, and whether the browser crashed under it.
crashed=$(python3 - "$log" <<'PY'
import re, sys
text = open(sys.argv[1], errors="replace").read()
blocks = re.findall(r"^---- (\S+) stdout ----\n(.*?)(?=^---- \S+ stdout ----|^failures:$)", text, re.M | re.S)
signs = ("session deleted because of page crash or hang", "Unreachable code should not be executed")
names = [name for name, out in blocks if any(s in out for s in signs)]
if not blocks or len(names) != len(blocks):
    sys.exit(1)
print(" ".join(names))
PY
) || { echo "end-to-end: a test failed for a reason other than a browser crash" >&2; exit "$status"; }
echo "end-to-end: the browser crashed under: $crashed — running those once more" >&2
dmesg 2>/dev/null | grep -i "WebKitWebProces" | tail -3 >&2 || true
# shellcheck disable=SC2086
xvfb-run -a -s "-screen 0 1366x768x24" cargo test -p clinic-tests --test end_to_end -- --test-threads=1 --exact $crashed

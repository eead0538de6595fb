#!/usr/bin/env bash
# End-to-end tests through the real Kassa window (Xvfb + openbox + tauri-driver + WebKitWebDriver + WebdriverIO).
#
#   tests/e2e/run.sh                      # every *.test.mjs here
#   tests/e2e/run.sh cashier.test.mjs     # one file
#
# Needs: target/debug/kassa built with the UI embedded (and its sidecar next to it), tauri-driver
# (cargo install tauri-driver --locked), and the apt packages xvfb, openbox, webkit2gtk-driver, imagemagick,
# x11-utils (xprop, xwininfo; it also brings libXtst, through which the tests press real keys such as Alt+F4).
# Screenshots and process logs land in artifacts/e2e/<test>/, also on failure.
# Env: KASSA_APP (the app binary), KASSA_E2E_TIMEOUT (seconds for the whole run, default 900),
#      KASSA_E2E_START_TIMEOUT_MS (app start, default 120000), KASSA_E2E_KEEP_DATA=1 (keep each run's data dir).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$here"

app="${KASSA_APP:-$root/target/debug/kassa}"
missing=()
[[ -x "$app" ]] || missing+=("the app: $app (cargo build -p kassa-app)")
command -v tauri-driver >/dev/null || [[ -x "$HOME/.cargo/bin/tauri-driver" ]] || missing+=("tauri-driver (cargo install tauri-driver --locked)")
for tool in Xvfb openbox WebKitWebDriver import xprop xwininfo python3; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if ((${#missing[@]})); then
  printf 'e2e: missing: %s\n' "${missing[@]}" >&2
  exit 2
fi
export PATH="$PATH:$HOME/.cargo/bin"

if [[ ! -d node_modules/webdriverio ]]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

files=("$@")
((${#files[@]})) || files=(*.test.mjs)
mkdir -p "$root/artifacts/e2e"
# timeout(1) signals its whole process group: the test files' harnesses then kill what they started.
status=0
timeout -k 30 "${KASSA_E2E_TIMEOUT:-900}" node --test --test-concurrency=1 "${files[@]}" || status=$?
if ((status == 124)); then
  echo "e2e: the run took longer than ${KASSA_E2E_TIMEOUT:-900} s and was stopped" >&2
fi
echo "e2e: screenshots and logs in $root/artifacts/e2e/" >&2
exit "$status"

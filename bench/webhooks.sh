#!/usr/bin/env bash
# Webhook intake: Kassa's backend against the tutorial's Express handler (stripe-node's constructEvent), in the
# same run, with the same load tool (bench/anchors/webhook-load: distinct events, signed as Stripe signs them).
# Alternates A B A B A B and reports medians: the machine's speed drifts. Not part of the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
ANCHORS=bench/anchors
SECRET=whsec_bench
CONNS=${CONNS:-32}
SECS=${SECS:-4}
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

cargo build --quiet --release --manifest-path "$ANCHORS/webhook-load/Cargo.toml" --target-dir /tmp/webhook-load
cargo build --quiet --release -p kassa-backend
cp -r "$ANCHORS/seed-express" "$work/express"
(cd "$work/express" && npm install --no-audit --no-fund --loglevel=error >/dev/null)

(cd "$work/express" && STRIPE_WEBHOOK_SECRET=$SECRET PORT=4299 exec node server.js) >"$work/express.log" 2>&1 &
pids+=($!)
STRIPE_SECRET_KEY=sk_test_bench STRIPE_PUBLISHABLE_KEY=pk_test_bench STRIPE_WEBHOOK_SECRET=$SECRET \
  STRIPE_API_BASE=http://127.0.0.1:9 RUST_LOG=warn \
  target/release/kassa-backend --addr 127.0.0.1:4298 --data-dir "$work/backend" --reconcile-every-secs 0 \
  >"$work/backend.log" 2>&1 &
pids+=($!)
for port in 4299 4298; do
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
done

load() { /tmp/webhook-load/release/webhook-load "http://127.0.0.1:$1/webhook" $SECRET --connections "$CONNS" --seconds "$SECS"; }
for round in 1 2 3; do
  echo "express round $round: $(load 4299 | tr '\n' ' ')"
  echo "kassa   round $round: $(load 4298 | tr '\n' ' ')"
done | tee "$work/results.txt"

stored=$(python3 -c "import sqlite3;print(sqlite3.connect('$work/backend/kassa-backend.sqlite3').execute('select count(*) from events').fetchone()[0])")
echo "events durably stored by kassa-backend: $stored"
python3 - "$work/results.txt" <<'PY'
import re, statistics, sys
rows = {"express": [], "kassa": []}
for line in open(sys.argv[1]):
    name = line.split()[0]
    rps = float(re.search(r"([\d.]+)\s*req/s", line).group(1)) if re.search(r"([\d.]+)\s*req/s", line) else None
    p99 = re.search(r"p99 (\d+) us", line)
    rows[name].append((rps, float(p99.group(1)) / 1000 if p99 else None))
med = {k: (statistics.median(r for r, _ in v), statistics.median(p for _, p in v if p is not None)) for k, v in rows.items()}
print(f"median req/s: express {med['express'][0]:.0f}, kassa {med['kassa'][0]:.0f}, ratio {med['kassa'][0] / med['express'][0]:.1f}x")
print(f"median p99:   express {med['express'][1]:.1f} ms, kassa {med['kassa'][1]:.1f} ms")
PY

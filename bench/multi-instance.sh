#!/usr/bin/env bash
# Durable webhook intake on PostgreSQL with 1, 2 and 3 backend instances (connections spread across them, as a
# balancer does), against SQLite on one instance and the tutorial's Express handler (the anchor), in one run with
# one load tool (bench/anchors/webhook-load, a process per instance). Rounds alternate and medians are reported: the machine's speed
# drifts. Then the feed's latency from a delivery on one instance to a till long-polling another (LISTEN/NOTIFY),
# beside the same till on the same instance.
#
# Both cores are shared by everything here: the load tool, the instances and PostgreSQL. So it also reports CPU
# per stored event (the instances' and PostgreSQL's CPU time over the events they stored), which is what decides
# throughput once each instance has a machine of its own. Not part of the test suite.
#   bench/multi-instance.sh            (ROUNDS=3 SECS=4 CONNS=32 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${KASSA_TEST_POSTGRES:-}" ]; then exec scripts/with-postgres "$0" "$@"; fi

ANCHORS=bench/anchors
SECRET=whsec_bench
CONNS=${CONNS:-32}
SECS=${SECS:-4}
ROUNDS=${ROUNDS:-3}
work=$(mktemp -d)
pids=()
stop_all() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done; pids=(); }
trap 'stop_all; rm -rf "$work"' EXIT

cargo build --quiet --release --manifest-path "$ANCHORS/webhook-load/Cargo.toml" --target-dir /tmp/webhook-load
cargo build --quiet --release -p kassa-backend
cp -r "$ANCHORS/seed-express" "$work/express"
(cd "$work/express" && npm install --no-audit --no-fund --loglevel=error >/dev/null)

PG_ADMIN=$KASSA_TEST_POSTGRES
PG_BASE=${PG_ADMIN%/*}
psql_admin() { psql -X -q -t -A "$PG_ADMIN" -c "$1"; }
PG_DATA=$(psql_admin "SHOW data_directory")
postmaster=$(head -1 "$PG_DATA/postmaster.pid")

# CPU seconds (user + system) of a process, its reaped children included.
cpu_of() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15 + $16 + $17) / hz}' "/proc/$1/stat" 2>/dev/null || echo 0; }
# PostgreSQL's: the postmaster, its reaped children, and the live ones (connections, writers).
pg_cpu() { sum_cpu "$postmaster" $(pgrep -P "$postmaster"); }
sum_cpu() { local p; for p in "$@"; do cpu_of "$p"; done | awk '{t += $1} END {printf "%.3f\n", t}'; }
minus() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f\n", a - b}'; }

env_backend=(STRIPE_SECRET_KEY=sk_test_bench STRIPE_PUBLISHABLE_KEY=pk_test_bench STRIPE_WEBHOOK_SECRET=$SECRET
  STRIPE_API_BASE=http://127.0.0.1:9 RUST_LOG=warn)
port_base=4310

# Starts N instances on one store (sqlite: a data directory; pg: a fresh database); their webhook URLs go in URLS.
start_instances() {
  local store=$1 n=$2 name=$3 urls=()
  if [ "$store" = pg ]; then psql_admin "DROP DATABASE IF EXISTS $name" >/dev/null 2>&1; psql_admin "CREATE DATABASE $name" >/dev/null; fi
  for i in $(seq 1 "$n"); do
    local port=$((port_base++)) db=(--data-dir "$work/$name")
    [ "$store" = pg ] && db=(--database-url "$PG_BASE/$name")
    env "${env_backend[@]}" target/release/kassa-backend --addr "127.0.0.1:$port" "${db[@]}" --reconcile-every-secs 0 \
      >>"$work/$name.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.1; done
    urls+=("http://127.0.0.1:$port/webhook")
  done
  URLS=$(IFS=,; echo "${urls[*]}")
}

stored_events() {
  case $1 in
    sqlite) python3 -c "import sqlite3;print(sqlite3.connect('$work/$2/kassa-backend.sqlite3').execute('select count(*) from events').fetchone()[0])" ;;
    pg) psql -X -q -t -A "$PG_BASE/$2" -c "SELECT count(*) FROM events" ;;
  esac
}

# The anchor's load tool, unchanged: one process per instance, the connections split between them (as a
# balancer spreads them), started together; their requests are added up, their worst p99 kept.
load() {
  local urls; IFS=, read -r -a urls <<<"$1"
  local n=${#urls[@]} i loaders=()
  for i in "${!urls[@]}"; do
    /tmp/webhook-load/release/webhook-load "${urls[$i]}" $SECRET --connections $((CONNS / n)) --seconds "$SECS" \
      >"$work/load.$i" &
    loaders+=($!)
  done
  wait "${loaders[@]}"
  cat "$work"/load.* | python3 -c '
import re, sys
runs = [l for l in sys.stdin if l.startswith("requests")]
get = lambda l, p: float(re.search(p, l).group(1))
req = sum(get(l, r"requests (\d+)") for l in runs)
secs = max(get(l, r"in ([\d.]+) s") for l in runs)
p50 = max(get(l, r"p50 (\d+) us") for l in runs)
p99 = max(get(l, r"p99 (\d+) us") for l in runs)
top = max(get(l, r"max (\d+) us") for l in runs)
bad = sum(get(l, r"non-2xx (\d+)") for l in runs)
print("requests %d in %.2f s: %d req/s, p50 %d us, p99 %d us, max %d us, non-2xx %d" % (req, secs, req / secs, p50, p99, top, bad))'
  rm -f "$work"/load.*
}

# One measurement: start, load, count what was stored durably, CPU per stored event, stop.
measure() {
  local label=$1 store=$2 n=$3 round=$4 name="${2}_${3}_r${4}"
  start_instances "$store" "$n" "$name"
  local urls=$URLS mine=("${pids[@]}")
  local cpu0 pg0; cpu0=$(sum_cpu "${mine[@]}"); pg0=$(pg_cpu)
  local out; out=$(load "$urls")
  local cpu1 pg1; cpu1=$(sum_cpu "${mine[@]}"); pg1=$(pg_cpu)
  local events; events=$(stored_events "$store" "$name")
  local backend_cpu db_cpu; backend_cpu=$(minus "$cpu1" "$cpu0")
  db_cpu=0; [ "$store" = pg ] && db_cpu=$(minus "$pg1" "$pg0")
  echo "$label round $round: $out stored $events backend_cpu_s $backend_cpu db_cpu_s $db_cpu"
  stop_all
}

(cd "$work/express" && STRIPE_WEBHOOK_SECRET=$SECRET PORT=4299 exec node server.js) >"$work/express.log" 2>&1 &
express=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:4299/" && break; sleep 0.1; done

for round in $(seq 1 "$ROUNDS"); do
  echo "express round $round: $(load http://127.0.0.1:4299/webhook) stored 0 backend_cpu_s 0 db_cpu_s 0"
  measure sqlite-1 sqlite 1 "$round"
  measure pg-1 pg 1 "$round"
  measure pg-2 pg 2 "$round"
  measure pg-3 pg 3 "$round"
done | tee "$work/results.txt"
kill "$express" 2>/dev/null || true

python3 - "$work/results.txt" "$SECS" <<'PY'
import re, statistics, sys
secs = float(sys.argv[2])
rows = {}
for line in open(sys.argv[1]):
    name = line.split()[0]
    get = lambda pat: float(re.search(pat, line).group(1))
    rows.setdefault(name, []).append(dict(
        rps=get(r"([\d.]+) req/s"), p99=get(r"p99 (\d+) us") / 1000, non2xx=get(r"non-2xx (\d+)"),
        stored=get(r"stored (\d+)"), cpu=get(r"backend_cpu_s ([\d.]+)") + get(r"db_cpu_s ([\d.]+)"),
        db=get(r"db_cpu_s ([\d.]+)")))
med = lambda k, f: statistics.median(r[f] for r in rows[k])
anchor = med("express", "rps")
print(f"\n{'':10} {'req/s':>8} {'vs Express':>11} {'p99 ms':>8} {'non-2xx':>8} {'stored/s':>9} {'CPU ms/event':>13} {'of it PostgreSQL':>17}")
for k in ["express", "sqlite-1", "pg-1", "pg-2", "pg-3"]:
    stored = med(k, "stored") / secs if k != "express" else float("nan")
    cpu = (statistics.median(r["cpu"] / r["stored"] for r in rows[k] if r["stored"]) * 1000) if k != "express" else float("nan")
    db = (statistics.median(r["db"] / r["stored"] for r in rows[k] if r["stored"]) * 1000) if k.startswith("pg") else float("nan")
    print(f"{k:10} {med(k, 'rps'):8.0f} {med(k, 'rps') / anchor:10.1f}x {med(k, 'p99'):8.1f} {med(k, 'non2xx'):8.0f} {stored:9.0f} {cpu:13.3f} {db:17.3f}")
PY

# The feed's latency: a till long-polls one instance while events are delivered, one at a time, to another (and,
# for the anchor, to the same one). Measured from the delivery's send to the till's receipt.
echo
start_instances pg 2 feed_latency
a=${URLS%%,*}; b=${URLS##*,}; a=${a%/webhook}; b=${b%/webhook}
token=$(env "${env_backend[@]}" target/release/kassa-backend token create --name office --admin --database-url "$PG_BASE/feed_latency")
python3 - "$a" "$b" "$token" "$SECRET" <<'PY'
import hashlib, hmac, json, statistics, sys, threading, time, urllib.request
a, b, token, secret = sys.argv[1:5]
def deliver(base, n):
    now = int(time.time())
    body = json.dumps({"id": f"evt_lat_{n}", "object": "event", "type": "payment_intent.succeeded", "created": now,
                       "data": {"object": {"id": f"pi_lat_{n}", "object": "payment_intent", "status": "succeeded"}}})
    sig = hmac.new(secret.encode(), f"{now}.{body}".encode(), hashlib.sha256).hexdigest()
    req = urllib.request.Request(f"{base}/webhook", data=body.encode(), method="POST",
                                 headers={"content-type": "application/json", "stripe-signature": f"t={now},v1={sig}"})
    urllib.request.urlopen(req).read()
def run(poll_base, send_base, first, count):
    got, after = {}, 0
    opener = urllib.request.urlopen
    def poll():
        nonlocal after
        while len(got) < count:
            req = urllib.request.Request(f"{poll_base}/api/events?after={after}&wait=10&limit=500",
                                         headers={"authorization": f"Bearer {token}"})
            page = json.loads(opener(req).read())
            t = time.perf_counter()
            for e in page["events"]:
                got.setdefault(e["event"]["id"], t)
            after = page["next_cursor"]
    # Start from the feed's end.
    req = urllib.request.Request(f"{poll_base}/api/events?after=0&limit=500", headers={"authorization": f"Bearer {token}"})
    while True:
        page = json.loads(opener(req).read())
        if not page["events"]: break
        after = page["next_cursor"]
        req = urllib.request.Request(f"{poll_base}/api/events?after={after}&limit=500", headers={"authorization": f"Bearer {token}"})
    poller = threading.Thread(target=poll); poller.start()
    time.sleep(0.3)
    sent = {}
    for n in range(first, first + count):
        sent[f"evt_lat_{n}"] = time.perf_counter()
        deliver(send_base, n)
        time.sleep(0.02)
    poller.join(timeout=30)
    lat = sorted((got[k] - sent[k]) * 1000 for k in sent if k in got)
    pct = lambda p: lat[min(len(lat) - 1, int(len(lat) * p))]
    return len(lat), pct(0.5), pct(0.99), lat[-1]
n_same, p50_same, p99_same, max_same = run(a, a, 0, 200)
n_other, p50_other, p99_other, max_other = run(b, a, 1000, 200)
print(f"feed latency, same instance   (anchor): {n_same} events, p50 {p50_same:.1f} ms, p99 {p99_same:.1f} ms, max {max_same:.1f} ms")
print(f"feed latency, another instance (NOTIFY): {n_other} events, p50 {p50_other:.1f} ms, p99 {p99_other:.1f} ms, max {max_other:.1f} ms")
print(f"ratio p50 {p50_other / p50_same:.2f}x, p99 {p99_other / p99_same:.2f}x")
PY

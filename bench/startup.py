#!/usr/bin/env python3
"""Kassa's start-up to interactive, memory and idle CPU, against an empty Tauri window measured the same way.

    scripts/build && bench/startup.py [ROUNDS]

Both apps are the debug builds scripts/build makes (the empty window is bench/empty-window: same Tauri, same
window size, its page served from the binary). KASSA_BENCH_PROFILE=release measures release builds instead: build
the backend with --release, copy it to src-tauri/binaries/kassa-backend-sidecar-<host triple> (the app's demo
sidecar), then `cargo build --release -p kassa -p kassa-empty-window`. They run under one Xvfb, alternately A B A B (the machine's speed
drifts). Each app keeps its own HOME and data directory from run to run, as an installed till does, so the runs
measured are warm starts: one unmeasured first run of each fills the caches (fontconfig, Mesa's shaders,
WebKit's) and, for Kassa, creates its databases.

- start-up: from spawning the process to the line "interactive N ms after start", which each app logs once the
  frame that paints its first screen is drawn (Kassa: the cashier screen with the catalogue and an open sale, the
  demo backend up; the empty window: its first frame). Both pages mark it the same way: a task queued from the
  frame's animation callback, which runs after that frame is painted.
- memory: PSS (proportional set size, so shared pages are split fairly) of the app and its WebKit processes,
  3 s after start-up. Kassa's demo sidecar (kassa-backend --simulate, the backend plus simulator) is reported
  beside it; a live till has no sidecar.
- idle CPU: CPU time of the same processes over the next 10 s, untouched, as a share of one core.

Goal (issue 4): Kassa within 1.25x the empty window's memory and 1.5x its start-up time, no CPU use while idle.
"""

import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# name: (binary, extra environment, e.g. WEBKIT_DISABLE_COMPOSITING_MODE=1 to see what compositing costs).
PROFILE = os.environ.get("KASSA_BENCH_PROFILE", "debug")
APPS = {
    "empty window": (os.path.join(ROOT, f"target/{PROFILE}/kassa-empty-window"), {}),
    "kassa": (os.path.join(ROOT, f"target/{PROFILE}/kassa"), {}),
}
SETTLE_S = 3
IDLE_S = 10
HZ = os.sysconf("SC_CLK_TCK")


def children(pid):
    """Every descendant of pid (WebKit's processes, the sidecar)."""
    by_parent = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            by_parent.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for child in by_parent.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def comm(pid):
    try:
        return open(f"/proc/{pid}/comm").read().strip()
    except OSError:
        return ""


def pss_kib(pid):
    try:
        m = re.search(r"^Pss:\s+(\d+) kB", open(f"/proc/{pid}/smaps_rollup").read(), re.M)
        return int(m.group(1)) if m else 0
    except OSError:
        return 0


def cpu_ticks(pid):
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError):
        return 0


def groups(pid):
    """The app with its WebKit processes, and the demo sidecar (with anything it started) apart."""
    app, sidecar = [pid], []
    for child in children(pid):
        (sidecar if comm(child).startswith("kassa-backend") else app).append(child)
    return app, sidecar


def run_once(name, app, display, home):
    binary, extra = app
    env = dict(os.environ, **extra, DISPLAY=display, HOME=home, XDG_DATA_HOME=f"{home}/data",
               XDG_CACHE_HOME=f"{home}/cache", XDG_CONFIG_HOME=f"{home}/config",
               KASSA_DATA_DIR=f"{home}/kassa", RUST_LOG="info")
    log = open(f"{home}/stderr.log", "w+")
    t0 = time.monotonic()
    proc = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
    try:
        deadline = t0 + 60
        while True:
            log.seek(0)
            if "interactive" in log.read():
                startup_ms = (time.monotonic() - t0) * 1000
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                sys.exit(f"{name} did not become interactive:\n{log.read()[-2000:]}")
            time.sleep(0.005)
        time.sleep(SETTLE_S)
        app, sidecar = groups(proc.pid)
        memory = sum(pss_kib(p) for p in app) / 1024
        sidecar_memory = sum(pss_kib(p) for p in sidecar) / 1024
        before = [sum(cpu_ticks(p) for p in g) for g in (app, sidecar)]
        time.sleep(IDLE_S)
        after = [sum(cpu_ticks(p) for p in g) for g in (app, sidecar)]
        idle = [(a - b) / HZ / IDLE_S * 100 for a, b in zip(after, before)]
        return {
            "startup_ms": startup_ms,
            "pss_mib": memory,
            "idle_cpu_pct": idle[0],
            "processes": [comm(p) for p in app],
            "sidecar_pss_mib": sidecar_memory,
            "sidecar_idle_cpu_pct": idle[1],
        }
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        time.sleep(0.5)  # the sidecar and WebKit's processes go with the app


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    for binary, _ in APPS.values():
        if not os.path.exists(binary):
            sys.exit(f"{binary} is missing: run scripts/build first")
    display = ":93"
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    homes = {name: tempfile.mkdtemp(prefix="kassa-startup-") for name in APPS}
    try:
        time.sleep(1)
        for name, app in APPS.items():
            run_once(name, app, display, homes[name])  # the first run: caches and databases
        results = {name: [] for name in APPS}
        for r in range(rounds):
            for name, app in APPS.items():
                m = run_once(name, app, display, homes[name])
                results[name].append(m)
                print(f"round {r + 1} {name:12}: start-up {m['startup_ms']:6.0f} ms, PSS {m['pss_mib']:6.1f} MiB "
                      f"({', '.join(m['processes'])}), idle CPU {m['idle_cpu_pct']:.2f}% of a core"
                      + (f"; sidecar PSS {m['sidecar_pss_mib']:.1f} MiB, idle CPU {m['sidecar_idle_cpu_pct']:.2f}%"
                         if m["sidecar_pss_mib"] else ""), flush=True)
    finally:
        xvfb.terminate()
        for home in homes.values():
            subprocess.run(["rm", "-rf", home])

    def med(name, key):
        return statistics.median(m[key] for m in results[name])

    e, k = "empty window", "kassa"
    print(f"\nmedians of {rounds}:")
    for name in APPS:
        print(f"  {name:12} start-up {med(name, 'startup_ms'):6.0f} ms, PSS {med(name, 'pss_mib'):6.1f} MiB, "
              f"idle CPU {med(name, 'idle_cpu_pct'):.2f}%")
    print(f"  kassa's demo sidecar: PSS {med(k, 'sidecar_pss_mib'):.1f} MiB, "
          f"idle CPU {med(k, 'sidecar_idle_cpu_pct'):.2f}%")
    startup_ratio = med(k, "startup_ms") / med(e, "startup_ms")
    memory_ratio = med(k, "pss_mib") / med(e, "pss_mib")
    print(f"  kassa / empty window: start-up {startup_ratio:.2f}x (goal <= 1.5x), "
          f"memory {memory_ratio:.2f}x (goal <= 1.25x)")


if __name__ == "__main__":
    main()

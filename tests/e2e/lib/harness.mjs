// The e2e harness: the real Kassa window on a private X display, driven over W3C WebDriver.
//
//   Xvfb :N (1280x800x24) ── openbox (fullscreen and focus need a window manager)
//   tauri-driver --port P --native-port P2 ── WebKitWebDriver ── target/debug/kassa (demo mode)
//                                                                  └─ kassa-backend --simulate (the sidecar)
//
// Every process the harness starts runs in its own process group and is killed on teardown. The app is started
// with KASSA_DATA_DIR set to a fresh temporary directory, so each session has its own till.sqlite3; teardown
// asserts that neither the app nor any kassa-backend* of that data dir is still running 10 s after the session
// ended. Note: on Delete Session WebKitWebDriver ends the app abruptly (it is a zombie within ~70 ms; Tauri's
// RunEvent::Exit does not run), so this checks the sidecar's own --exit-with-parent watch, as after a crash.
//
// Environment: KASSA_APP (the app binary; default target/debug/kassa), TAURI_DRIVER (default tauri-driver on PATH,
// then ~/.cargo/bin/tauri-driver), KASSA_E2E_START_TIMEOUT_MS (default 120000), KASSA_E2E_KEEP_DATA=1 (keep the
// data dir), KASSA_E2E_DISPLAYS (default "90-99").
import { spawn, execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { remote } from 'webdriverio';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(here, '../../..');
export const APP = process.env.KASSA_APP || path.join(ROOT, 'target/debug/kassa');
export const ARTIFACTS = path.join(ROOT, 'artifacts/e2e');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function log(...args) {
  if (process.env.KASSA_E2E_QUIET !== '1') console.error('[e2e]', ...args);
}

/** Runs `fn` and fails with a message naming `what` if it takes longer than `ms`. */
export async function within(ms, what, fn) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([fn(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** An error that ends `until` at once (a process it waits for has exited). */
function fatal(message) {
  const e = new Error(message);
  e.fatal = true;
  return e;
}

/**
 * Polls `check` (sync or async) until it returns a truthy value; fails naming `what` after `ms`. An error thrown
 * by `check` counts as "not yet", unless it is fatal().
 */
export async function until(ms, what, check, every = 100) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      if (e.fatal) throw new Error(`${what}: ${e.message}`);
      last = e;
    }
    if (Date.now() > end) throw new Error(`${what}: not within ${ms / 1000} s${last ? ` (last error: ${last.message})` : ''}`);
    await sleep(every);
  }
}

function which(cmd) {
  for (const dir of (process.env.PATH || '').split(':')) {
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return null;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function portOpen(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Display numbers with no X server on them (no socket, no lock file), in order. */
function freeDisplays() {
  const [lo, hi] = (process.env.KASSA_E2E_DISPLAYS || '90-99').split('-').map(Number);
  const free = [];
  for (let n = lo; n <= hi; n++) {
    // A lock whose pid is gone is stale (a killed Xvfb): Xvfb itself takes such a display over.
    let locked = false;
    try {
      const pid = Number(fs.readFileSync(`/tmp/.X${n}-lock`, 'utf8').trim());
      locked = !(pid > 0) || alive(pid);
    } catch (e) {
      locked = e.code !== 'ENOENT';
    }
    if (!locked && (!fs.existsSync(`/tmp/.X11-unix/X${n}`) || fs.existsSync(`/tmp/.X${n}-lock`))) free.push(n);
  }
  if (!free.length) throw new Error(`no free X display in :${lo}-:${hi} (all have /tmp/.X11-unix/X<n> or /tmp/.X<n>-lock)`);
  return free;
}

/** A child in its own process group, its output kept in a log file. */
function start(name, cmd, args, env, logDir) {
  const out = fs.openSync(path.join(logDir, `${name}.log`), 'a');
  const child = spawn(cmd, args, { env, detached: true, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  child.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  child.once('error', (e) => log(`${name}: ${e.message}`));
  child.label = name;
  return child;
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM to the child's process group, then SIGKILL if it is still there after `graceMs`. */
async function stopGroup(child, graceMs = 3000) {
  if (!child?.pid) return;
  const signal = (sig) => {
    try {
      process.kill(-child.pid, sig);
    } catch {
      /* gone */
    }
  };
  signal('SIGTERM');
  const done = await Promise.race([child.exited.then(() => true), sleep(graceMs).then(() => false)]);
  if (!done) log(`${child.label} ignored SIGTERM for ${graceMs} ms; SIGKILL`);
  signal('SIGKILL'); // the rest of the group, if anything in it outlived its leader
}

/** Processes whose command line (or environment) mentions `needle`: [{pid, cmd}]. */
export function processesMentioning(needle, { env = false } = {}) {
  const found = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
      let hit = cmd.some((a) => a.includes(needle));
      if (!hit && env) hit = fs.readFileSync(`/proc/${entry}/environ`, 'utf8').includes(needle);
      if (hit && cmd.length) found.push({ pid: Number(entry), cmd: cmd.join(' ') });
    } catch {
      /* gone, or not ours to read */
    }
  }
  return found;
}

function slug(s) {
  return String(s).toLowerCase().replace(/[^a-z0-9]+/g, '-').slice(0, 48).replace(/^-+|-+$/g, '') || 'step';
}

// If the run is interrupted (a CI timeout sends SIGTERM, ^C sends SIGINT), nothing we started may survive it:
// every live harness is cleaned up synchronously before the process exits.
const live = new Set();
function killNow(h) {
  for (const child of h.children) {
    try {
      // Xvfb gets SIGTERM: it outlives us by a moment, but removes its socket and lock file.
      process.kill(-child.pid, child.label === 'xvfb' ? 'SIGTERM' : 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  for (const p of processesMentioning(h.dataDir, { env: true })) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  if (process.env.KASSA_E2E_KEEP_DATA !== '1') fs.rmSync(h.dataDir, { recursive: true, force: true });
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(sig, () => {
    for (const h of live) killNow(h);
    console.error(`[e2e] ${sig}: killed what the harness started`);
    process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1));
  });
}
process.once('exit', () => {
  for (const h of live) killNow(h);
});

/**
 * Starts the display, the window manager, tauri-driver and a WebDriver session on the app.
 * Options: `args` (the app's arguments, e.g. ['--kiosk']), `maximize` (default true; a kiosk window is fullscreen
 * and must not be touched), `extraEnv`.
 * Returns { browser, dataDir, display, shot(step), sql(query, params), simUrl(), appProcesses(),
 * backendProcesses(), xkey(keys), teardown() }. Set `h.appExited = true` once a test has made the app exit on its
 * own (and checked that): teardown then does not count the dead session against it.
 */
export async function launch(testName, { app = APP, extraEnv = {}, args = [], maximize = true } = {}) {
  app = path.resolve(app);
  if (!fs.existsSync(app)) throw new Error(`the app is not built: ${app} is missing (cargo build -p kassa-app)`);
  const driverBin =
    process.env.TAURI_DRIVER || which('tauri-driver') || path.join(os.homedir(), '.cargo/bin/tauri-driver');
  if (!fs.existsSync(driverBin)) throw new Error(`tauri-driver is missing: cargo install tauri-driver --locked`);
  if (!which('WebKitWebDriver')) throw new Error('WebKitWebDriver is missing: apt-get install webkit2gtk-driver');

  const shotDir = path.join(ARTIFACTS, slug(testName));
  fs.rmSync(shotDir, { recursive: true, force: true });
  fs.mkdirSync(shotDir, { recursive: true });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kassa-e2e-'));
  const children = [];
  const h = {
    testName,
    app,
    dataDir,
    shotDir,
    display: null,
    browser: null,
    children,
    shots: 0,
    tornDown: false,
    appExited: false,
  };
  live.add(h);

  try {
    // 1. Xvfb on a free display (the next one if another job took it in the meantime).
    for (const n of freeDisplays().slice(0, 3)) {
      const xvfb = start('xvfb', 'Xvfb', [`:${n}`, '-screen', '0', '1280x800x24', '-nolisten', 'tcp', '-noreset'], process.env, shotDir);
      children.push(xvfb);
      try {
        await until(10_000, `Xvfb :${n} did not come up (see ${shotDir}/xvfb.log)`, () => {
          if (xvfb.exitCode !== null || xvfb.signalCode !== null) throw fatal(`Xvfb exited (${xvfb.exitCode ?? xvfb.signalCode})`);
          return fs.existsSync(`/tmp/.X11-unix/X${n}`);
        });
        h.display = `:${n}`;
        break;
      } catch (e) {
        log(e.message);
        await stopGroup(xvfb, 1000);
        children.pop();
      }
    }
    if (!h.display) throw new Error(`Xvfb did not start on any free display (see ${shotDir}/xvfb.log)`);
    const xenv = { ...process.env, DISPLAY: h.display };
    // Our own display only: never talk to the caller's session bus or X server.
    delete xenv.WAYLAND_DISPLAY;
    delete xenv.DBUS_SESSION_BUS_ADDRESS;

    // 2. openbox; it is up once it owns the WM selection.
    const wm = start('openbox', 'openbox', ['--sm-disable'], xenv, shotDir);
    children.push(wm);
    await until(10_000, 'openbox did not take the display', () => {
      if (wm.exitCode !== null) throw fatal(`openbox exited with ${wm.exitCode} (see ${shotDir}/openbox.log)`);
      const out = execFileSync('xprop', ['-root', '_NET_SUPPORTING_WM_CHECK'], { env: xenv, encoding: 'utf8', timeout: 2000 });
      return /window id/.test(out);
    }, 200);

    // 3. tauri-driver, with the app's environment.
    const port = await freePort();
    let nativePort = await freePort();
    while (nativePort === port) nativePort = await freePort();
    const driverEnv = { ...xenv, KASSA_DATA_DIR: dataDir, ...extraEnv };
    const driver = start('tauri-driver', driverBin, ['--port', String(port), '--native-port', String(nativePort)], driverEnv, shotDir);
    children.push(driver);
    await until(15_000, `tauri-driver did not listen on ${port} (see ${shotDir}/tauri-driver.log)`, async () => {
      if (driver.exitCode !== null) throw fatal(`tauri-driver exited with ${driver.exitCode}`);
      return portOpen(port);
    }, 200);

    // 4. The session: this starts the app (and, in demo mode, its sidecar).
    log(`${testName}: display ${h.display}, tauri-driver :${port}, data ${dataDir}`);
    const startMs = Number(process.env.KASSA_E2E_START_TIMEOUT_MS) || 120_000;
    h.browser = await within(startMs, 'opening the WebDriver session (starting the app)', () =>
      remote({
        hostname: '127.0.0.1',
        port,
        logLevel: 'warn',
        connectionRetryTimeout: startMs,
        connectionRetryCount: 0,
        waitforTimeout: 10_000,
        capabilities: {
          'tauri:options': { application: app, args },
          'wdio:enforceWebDriverClassic': true,
        },
      }),
    );
  } catch (e) {
    await teardown(h).catch((t) => log(`teardown after a failed launch: ${t.message}`));
    throw e;
  }

  // Fill the display, so the whole-display screenshots show the whole window (best effort: openbox obliges).
  if (maximize) {
    await within(10_000, 'maximizing the window', () => h.browser.maximizeWindow()).catch((e) => log(`maximize: ${e.message}`));
  }

  h.shot = (step) => shot(h, step);
  h.sql = (query, params) => sql(path.join(dataDir, 'till.sqlite3'), query, params);
  h.appProcesses = () => processesMentioning(dataDir, { env: true }).filter((p) => p.cmd.split(' ')[0] === h.app);
  h.backendProcesses = () => processesMentioning(dataDir).filter((p) => p.cmd.includes('kassa-backend'));
  h.simUrl = () => simUrl(h);
  h.xkey = (keys) => xkey(h.display, keys);
  h.teardown = () => teardown(h);
  return h;
}

/** The demo simulator's base URL, from the sidecar's command line (`--sim-addr 127.0.0.1:PORT`). */
function simUrl(h) {
  for (const p of h.backendProcesses()) {
    const m = / --sim-addr[ =](\S+)/.exec(p.cmd);
    if (m) return `http://${m[1]}`;
  }
  throw new Error(`no kassa-backend with --sim-addr for ${h.dataDir} is running`);
}

/**
 * Real X key events (XTest, as a keyboard would send them: the window manager sees them first), e.g.
 * ['Alt_L', 'F4'] pressed in order and released in reverse. python3 + ctypes on libX11 and libXtst (no xdotool).
 */
export function xkey(display, keys) {
  const script = `
import ctypes, sys
x = ctypes.cdll.LoadLibrary('libX11.so.6')
t = ctypes.cdll.LoadLibrary('libXtst.so.6')
x.XOpenDisplay.restype = ctypes.c_void_p
x.XOpenDisplay.argtypes = [ctypes.c_char_p]
x.XStringToKeysym.restype = ctypes.c_ulong
x.XStringToKeysym.argtypes = [ctypes.c_char_p]
x.XKeysymToKeycode.restype = ctypes.c_ubyte
x.XKeysymToKeycode.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
x.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
x.XCloseDisplay.argtypes = [ctypes.c_void_p]
t.XTestFakeKeyEvent.argtypes = [ctypes.c_void_p, ctypes.c_uint, ctypes.c_int, ctypes.c_ulong]
d = x.XOpenDisplay(sys.argv[1].encode())
if not d:
    sys.exit('cannot open display ' + sys.argv[1])
codes = []
for name in sys.argv[2:]:
    sym = x.XStringToKeysym(name.encode())
    code = x.XKeysymToKeycode(d, sym) if sym else 0
    if not code:
        sys.exit('no keycode for ' + name)
    codes.append(code)
for c in codes:
    t.XTestFakeKeyEvent(d, c, 1, 0)
for c in reversed(codes):
    t.XTestFakeKeyEvent(d, c, 0, 0)
x.XSync(d, 0)
x.XCloseDisplay(d)
`;
  execFileSync('python3', ['-c', script, display, ...keys], { encoding: 'utf8', timeout: 10_000 });
}

/**
 * Two screenshots for a step: the webview (WebDriver) and the whole X display (ImageMagick import), as
 * <nn>-<step>-webview.png and <nn>-<step>-display.png. Never throws: a failed screenshot is logged, not fatal.
 */
async function shot(h, step) {
  h.shots += 1;
  const base = path.join(h.shotDir, `${String(h.shots).padStart(2, '0')}-${slug(step)}`);
  const files = [];
  if (h.browser && !h.appExited) {
    try {
      await within(10_000, 'webview screenshot', async () => {
        await h.browser.switchFrame(null).catch(() => {});
        await h.browser.saveScreenshot(`${base}-webview.png`);
      });
      files.push(`${base}-webview.png`);
    } catch (e) {
      log(`screenshot ${step} (webview) failed: ${e.message}`);
    }
  }
  if (h.display) {
    await new Promise((resolve) => {
      execFile('import', ['-display', h.display, '-window', 'root', `${base}-display.png`], { timeout: 10_000 }, (err) => {
        if (err) log(`screenshot ${step} (display) failed: ${err.message}`);
        else files.push(`${base}-display.png`);
        resolve();
      });
    });
  }
  return files;
}

/** Read-only SQL on the till's database (python3's sqlite3, uri mode=ro); rows as objects. */
export function sql(dbPath, query, params = []) {
  const script = `
import json, sqlite3, sys
db = sqlite3.connect('file:' + sys.argv[1] + '?mode=ro', uri=True, timeout=5)
db.row_factory = sqlite3.Row
rows = db.execute(sys.argv[2], json.loads(sys.argv[3])).fetchall()
print(json.dumps([dict(r) for r in rows]))
`;
  if (!fs.existsSync(dbPath)) throw new Error(`the till's database is missing: ${dbPath}`);
  const out = execFileSync('python3', ['-c', script, dbPath, query, JSON.stringify(params)], {
    encoding: 'utf8',
    timeout: 15_000,
  });
  return JSON.parse(out);
}

/**
 * Deletes the session (the app exits), kills what the harness started, and asserts that no kassa-backend of this
 * data dir survived. Throws (after cleaning up regardless) if the sidecar outlived the app.
 */
async function teardown(h) {
  if (h.tornDown) return;
  h.tornDown = true;
  const problems = [];
  if (h.browser) {
    try {
      await within(h.appExited ? 10_000 : 20_000, 'deleting the WebDriver session', () => h.browser.deleteSession());
    } catch (e) {
      // An app that exited on its own (the test checked it) leaves WebKitWebDriver no browser to end.
      if (h.appExited) log(`deleteSession after the app exited on its own: ${e.message} (expected)`);
      else problems.push(`deleteSession: ${e.message}`);
    }
  }
  // The app should be gone with the session, and its sidecar with it; give them a bounded moment.
  const backends = () => processesMentioning(h.dataDir).filter((p) => p.cmd.includes('kassa-backend'));
  const apps = () => processesMentioning(h.dataDir, { env: true }).filter((p) => p.cmd.split(' ')[0] === h.app);
  let survivors = [];
  try {
    await until(10_000, 'app and sidecar exit', () => backends().length === 0 && apps().length === 0, 200);
  } catch {
    survivors = backends();
    const app = apps();
    if (app.length) problems.push(`the app still ran 10 s after the session ended: ${app.map((p) => `pid ${p.pid}`).join(', ')}`);
  }
  for (const child of [...h.children].reverse()) await stopGroup(child);
  // Anything of ours still running (app or sidecar: both carry the data dir) is ended, then reported.
  const leftovers = processesMentioning(h.dataDir, { env: true });
  for (const p of leftovers) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  if (survivors.length) {
    problems.push(
      `the demo backend outlived the app (10 s after the session ended): ${survivors.map((p) => `pid ${p.pid}: ${p.cmd}`).join('; ')}`,
    );
  }
  live.delete(h);
  const lingering = leftovers.filter((p) => !survivors.some((s) => s.pid === p.pid));
  if (lingering.length) problems.push(`processes of this data dir still ran after teardown (killed): ${lingering.map((p) => `pid ${p.pid}: ${p.cmd}`).join('; ')}`);
  if (process.env.KASSA_E2E_KEEP_DATA === '1') log(`data kept in ${h.dataDir}`);
  else fs.rmSync(h.dataDir, { recursive: true, force: true });
  if (problems.length) throw new Error(`teardown: ${problems.join(' | ')}`);
}

export { alive, sleep };

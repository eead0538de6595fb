// Starts a real stripe-sim process on a free loopback port and stops it after the test.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const SIM_BIN = process.env.STRIPE_SIM_BIN || path.join(root, 'target/debug/stripe-sim');
// Data vendored into the repository (tests/fixtures/README.md says from where); nothing is read from outside it.
export const FIXTURES_DIR = path.join(root, 'tests/fixtures');
export const TEST_CARDS = path.join(root, 'crates/stripe-sim/data/test-cards.tsv');
export const SECRET_KEY = 'sk_test_kassa_judge';
export const PUBLISHABLE_KEY = 'pk_test_kassa_judge';
// The keys of a simulator started with --live.
export const LIVE_SECRET_KEY = 'sk_live_kassa_judge';
export const LIVE_PUBLISHABLE_KEY = 'pk_live_kassa_judge';

/** Spawns the simulator; resolves { url, port, webhookSecret, stop() } once it prints its ready lines. */
export function startSim(args = []) {
  const child = spawn(SIM_BIN, ['--addr', '127.0.0.1:0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  return new Promise((resolve, reject) => {
    let url;
    const timer = setTimeout(() => reject(new Error('stripe-sim did not print its ready lines within 10 s')), 10_000);
    child.once('exit', (code) => reject(new Error(`stripe-sim exited early with ${code}`)));
    lines.on('line', (line) => {
      const listening = line.match(/^stripe-sim listening on (http:\/\/\S+)/);
      if (listening) url = listening[1];
      const ready = line.match(/webhook signing secret is (whsec_\S+)/);
      if (ready && url) {
        clearTimeout(timer);
        const port = Number(new URL(url).port);
        resolve({
          url,
          port,
          webhookSecret: ready[1],
          stop: () => new Promise((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
        });
      }
    });
  });
}

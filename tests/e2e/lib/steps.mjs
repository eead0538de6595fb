// Steps for node:test on top of the harness: each step is a test with a bounded time, a screenshot when it
// passes, a FAILED screenshot when it does not, and a failure message naming the step. A step after a failed one
// is skipped (the sale cannot go on), but the last step — closing the app — always runs.
import { it, before, after } from 'node:test';
import { launch, within } from './harness.mjs';

/** `options` go to launch(): e.g. { args: ['--kiosk'], maximize: false }. */
export function session(testName, options = {}) {
  const s = { h: null, failed: null };

  before(async () => {
    s.h = await launch(testName, options);
  }, { timeout: 180_000 });

  // Whatever happened, nothing the harness started may outlive the file.
  after(async () => {
    if (s.h && !s.h.tornDown) await s.h.teardown().catch((e) => console.error(`[e2e] ${e.message}`));
  }, { timeout: 60_000 });

  /** A step: `fn(h)` must finish within `ms`; it may take extra screenshots with h.shot(). */
  s.step = (name, ms, fn) =>
    it(name, { timeout: ms + 30_000 }, async (t) => {
      if (!s.h) throw new Error(`step "${name}": the app did not start`);
      if (s.failed) return t.skip(`skipped: step "${s.failed}" failed`);
      try {
        await within(ms, `step "${name}"`, () => fn(s.h));
        await s.h.shot(name);
      } catch (e) {
        s.failed = name;
        await s.h.shot(`FAILED ${name}`);
        const err = new Error(`step "${name}" failed: ${e.message}`);
        err.cause = e;
        throw err;
      }
    });

  /** The last step: the session ends, the app exits, and its demo backend must exit with it. */
  s.closeApp = () =>
    it('closing the app ends the app and its demo backend (no kassa-backend of this data dir survives)', { timeout: 90_000 }, async () => {
      if (!s.h) throw new Error('the app did not start');
      await s.h.teardown();
    });

  return s;
}

/** Text with every run of whitespace (NBSP included) as one space. */
export function norm(s) {
  return String(s ?? '').replace(/[\s\u00a0\u202f]+/g, ' ').trim();
}

// Bounded waiting and expected failures, for the judges.

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls fn until it returns a truthy value or the time is up; returns the last value. */
export async function until(fn, { timeout = 5000, interval = 50 } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    last = await fn();
    if (last || Date.now() > end) return last;
    await sleep(interval);
  }
}

/** Awaits a promise that must reject; returns the error. */
export async function failure(promise, what = 'the request') {
  let value;
  try {
    value = await promise;
  } catch (err) {
    return err;
  }
  throw new Error(`expected ${what} to fail, but it answered ${JSON.stringify(value)?.slice(0, 300)}`);
}

// Loads Stripe.js into the payment page (js.stripe.com, or the simulator's stand-in the backend names in demo mode)
// with one <script> per URL. A failed load removes its tag, so a retry injects a fresh one.

const LOAD_TIMEOUT_MS = 20_000;
const loads = new Map<string, Promise<void>>();

export class ScriptLoadError extends Error {
  constructor(readonly src: string, reason: string) {
    super(`The card form could not be loaded from ${originOf(src)} (${reason}).`);
    this.name = 'ScriptLoadError';
  }
}

function originOf(src: string): string {
  try {
    return new URL(src, window.location.href).origin;
  } catch {
    return src;
  }
}

function absolute(src: string): string {
  return new URL(src, window.location.href).href;
}

function findTag(src: string): HTMLScriptElement | null {
  const abs = absolute(src);
  for (const s of Array.from(document.querySelectorAll<HTMLScriptElement>('script[src]'))) {
    if (s.src === abs) return s;
  }
  return null;
}

/** Resolves once the script at `src` has run. Concurrent and later calls share one tag and one load. */
export function loadScriptOnce(src: string): Promise<void> {
  const key = absolute(src);
  const known = loads.get(key);
  if (known) return known;

  const p = new Promise<void>((resolve, reject) => {
    const existing = findTag(key);
    if (existing && existing.dataset.loaded === 'true') return resolve();
    const script = existing ?? document.createElement('script');
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = (err?: Error) => {
      clearTimeout(timer);
      script.removeEventListener('load', onLoad);
      script.removeEventListener('error', onError);
      if (err) {
        script.remove();
        loads.delete(key);
        reject(err);
      } else {
        script.dataset.loaded = 'true';
        resolve();
      }
    };
    const onLoad = () => done();
    const onError = () => done(new ScriptLoadError(key, 'the server did not answer'));
    script.addEventListener('load', onLoad);
    script.addEventListener('error', onError);
    timer = setTimeout(() => done(new ScriptLoadError(key, 'timed out')), LOAD_TIMEOUT_MS);
    if (!existing) {
      script.src = key;
      script.async = true;
      (document.head || document.body).appendChild(script);
    }
  });
  loads.set(key, p);
  return p;
}

/** Drops a loaded script (its tag and its cached load), so the next call loads it afresh. */
export function forgetScript(src: string): void {
  const key = absolute(src);
  loads.delete(key);
  findTag(key)?.remove();
}

/** For tests. */
export function resetScriptLoads(): void {
  loads.clear();
}

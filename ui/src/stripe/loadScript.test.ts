import { afterEach, describe, expect, it, vi } from 'vitest';
import { forgetScript, loadScriptOnce, resetScriptLoads, ScriptLoadError } from './loadScript';

const URL_ = 'http://127.0.0.1:12111/v3';
const tags = () => Array.from(document.querySelectorAll<HTMLScriptElement>('script[src]')).filter((s) => s.src === URL_);

afterEach(() => {
  for (const s of tags()) s.remove();
  resetScriptLoads();
});

describe('loadScriptOnce', () => {
  it('injects one tag per src and resolves on load', async () => {
    const a = loadScriptOnce(URL_);
    const b = loadScriptOnce(URL_);
    expect(a).toBe(b);
    expect(tags()).toHaveLength(1);
    tags()[0].dispatchEvent(new Event('load'));
    await expect(a).resolves.toBeUndefined();
    // Later calls reuse the loaded script.
    await expect(loadScriptOnce(URL_)).resolves.toBeUndefined();
    expect(tags()).toHaveLength(1);
  });

  it('rejects with a clear error on failure, removes the tag, and a retry injects a fresh one', async () => {
    const a = loadScriptOnce(URL_);
    const first = tags()[0];
    first.dispatchEvent(new Event('error'));
    await expect(a).rejects.toBeInstanceOf(ScriptLoadError);
    await expect(a).rejects.toThrow(/could not be loaded from http:\/\/127\.0\.0\.1:12111/);
    expect(tags()).toHaveLength(0);

    const b = loadScriptOnce(URL_);
    expect(b).not.toBe(a);
    expect(tags()).toHaveLength(1);
    expect(tags()[0]).not.toBe(first);
    tags()[0].dispatchEvent(new Event('load'));
    await expect(b).resolves.toBeUndefined();
  });

  it('times out instead of waiting forever', async () => {
    vi.useFakeTimers();
    const a = loadScriptOnce(URL_);
    vi.advanceTimersByTime(20_001);
    await expect(a).rejects.toThrow(/timed out/);
    expect(tags()).toHaveLength(0);
  });

  it('forgets a script so the next call loads it again', async () => {
    const a = loadScriptOnce(URL_);
    tags()[0].dispatchEvent(new Event('load'));
    await a;
    forgetScript(URL_);
    expect(tags()).toHaveLength(0);
    void loadScriptOnce(URL_);
    expect(tags()).toHaveLength(1);
  });
});

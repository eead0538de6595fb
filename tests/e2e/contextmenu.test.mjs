// WebKit's own context menu (Reload, Inspect Element…) must never open on the till.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { session } from './lib/steps.mjs';

/** Top-level windows mapped on the display (a GTK context menu is one more, override-redirect, window). */
function mappedWindows(display) {
  const out = execFileSync('xwininfo', ['-display', display, '-root', '-children'], { encoding: 'utf8', timeout: 5000 });
  return out.split('\n').filter((l) => /^\s+0x[0-9a-f]+ /.test(l)).length;
}

describe('the WebKit context menu is blocked', () => {
  const s = session('contextmenu');

  s.step('a contextmenu event on the page is default-prevented', 40_000, async (h) => {
    const b = h.browser;
    await b.$('.item-button').waitForDisplayed({ timeout: 30_000, timeoutMsg: 'the quick items never showed' });
    const r = await b.execute(() => {
      const target = document.querySelector('.item-button');
      const ev = new MouseEvent('contextmenu', { bubbles: true, cancelable: true, button: 2, clientX: 10, clientY: 10 });
      const notCanceled = target.dispatchEvent(ev);
      return { notCanceled, defaultPrevented: ev.defaultPrevented };
    });
    assert.deepEqual(r, { notCanceled: false, defaultPrevented: true }, 'the page let a contextmenu event through');
  });

  s.step('a real right-click opens no menu window', 20_000, async (h) => {
    const b = h.browser;
    const before = mappedWindows(h.display);
    await b.$('.item-grid').click({ button: 'right' });
    await new Promise((r) => setTimeout(r, 800)); // a GTK menu would map within this
    await h.shot('after right-click');
    const after = mappedWindows(h.display);
    await b.keys('Escape'); // closes a menu if one did open, so the next step starts clean
    assert.equal(after, before, `a window appeared on the right-click (${before} → ${after} windows): WebKit's context menu?`);
  });

  s.closeApp();
});

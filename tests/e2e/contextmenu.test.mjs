// WebKit's own context menu (Reload, Inspect Element…) must never open on the till.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { session } from './lib/steps.mjs';

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

  s.step('a real right-click: its (trusted) contextmenu event is default-prevented (screenshot: no menu)', 20_000, async (h) => {
    const b = h.browser;
    // Record the event where it ends up (window, bubbling: after the page's own listeners).
    await b.execute(() => {
      window.__e2eContextMenus = [];
      window.addEventListener('contextmenu', (e) => window.__e2eContextMenus.push({ trusted: e.isTrusted, prevented: e.defaultPrevented }));
    });
    await b.$('.item-grid').click({ button: 'right' });
    const seen = await b.waitUntil(async () => {
      const list = await b.execute(() => window.__e2eContextMenus);
      return list.length ? list : false;
    }, { timeout: 5_000, timeoutMsg: 'a right-click through WebDriver produced no contextmenu event' });
    await h.shot('after right-click');
    assert.deepEqual(seen, [{ trusted: true, prevented: true }], 'the right-click\'s contextmenu event was not default-prevented');
  });

  s.closeApp();
});

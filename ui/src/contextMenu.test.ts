import { expect, it } from 'vitest';
import { blockContextMenu } from './contextMenu';

it('blocks the browser context menu everywhere in the document', () => {
  const undo = blockContextMenu();
  const el = document.createElement('div');
  document.body.appendChild(el);
  const ev = new MouseEvent('contextmenu', { bubbles: true, cancelable: true });
  el.dispatchEvent(ev);
  expect(ev.defaultPrevented).toBe(true);
  undo();
  const again = new MouseEvent('contextmenu', { bubbles: true, cancelable: true });
  el.dispatchEvent(again);
  expect(again.defaultPrevented).toBe(false);
  el.remove();
});

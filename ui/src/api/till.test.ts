import { invoke } from '@tauri-apps/api/core';
import { expect, it, vi } from 'vitest';
import { cashierStart, markInteractive } from './till';

const callsOf = (cmd: string) => vi.mocked(invoke).mock.calls.filter(([c]) => c === cmd);

it('tells the core once, after the frame that draws the first screen, that it is drawn', async () => {
  vi.mocked(invoke).mockResolvedValue(null);
  markInteractive();
  markInteractive();
  // The frame's animation callbacks run before it is painted: not yet.
  await new Promise((resolve) => requestAnimationFrame(resolve));
  expect(callsOf('ui_ready')).toHaveLength(0);
  await new Promise((resolve) => setTimeout(resolve, 0));
  expect(callsOf('ui_ready')).toHaveLength(1);
  markInteractive();
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  expect(callsOf('ui_ready')).toHaveLength(1);
});

it('fetches what the cashier screen opens with, together', async () => {
  vi.mocked(invoke).mockImplementation(async (cmd: string) => (cmd === 'catalog' ? { items: [] } : null));
  expect(await cashierStart()).toEqual({ catalog: { items: [] }, order: null });
  expect(callsOf('catalog')).toHaveLength(1);
  expect(callsOf('current_order')).toHaveLength(1);
});

it('leaves out what failed, for the screen to ask again and report', async () => {
  vi.mocked(invoke).mockImplementation(async (cmd: string) => {
    if (cmd === 'catalog') throw { kind: 'internal', message: 'down', field: null };
    return null;
  });
  expect(await cashierStart()).toEqual({ order: null });
});

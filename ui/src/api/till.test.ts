import { invoke } from '@tauri-apps/api/core';
import { expect, it, vi } from 'vitest';
import { firstCatalog, firstCurrentOrder, markInteractive, prefetchCashier } from './till';

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

it('hands the prefetched cashier data out once, then asks the core afresh', async () => {
  vi.mocked(invoke).mockImplementation(async (cmd: string) => (cmd === 'catalog' ? { items: [] } : null));
  prefetchCashier();
  expect(callsOf('catalog')).toHaveLength(1);
  expect(callsOf('current_order')).toHaveLength(1);
  expect(await firstCatalog()).toEqual({ items: [] });
  expect(await firstCurrentOrder()).toBeNull();
  expect(callsOf('catalog')).toHaveLength(1);
  expect(callsOf('current_order')).toHaveLength(1);
  // A retry after an error must not be handed the same stale answer.
  await firstCatalog();
  await firstCurrentOrder();
  expect(callsOf('catalog')).toHaveLength(2);
  expect(callsOf('current_order')).toHaveLength(2);
});

it('a prefetch that fails reports to whoever takes it, and to nobody before', async () => {
  vi.mocked(invoke).mockRejectedValue({ kind: 'internal', message: 'down', field: null });
  prefetchCashier();
  await new Promise((resolve) => setTimeout(resolve, 0));
  await expect(firstCatalog()).rejects.toMatchObject({ message: 'down' });
  await expect(firstCurrentOrder()).rejects.toMatchObject({ message: 'down' });
});

import { invoke } from '@tauri-apps/api/core';
import { expect, it, vi } from 'vitest';
import { markInteractive } from './till';

it('tells the core once, after the next frame, that the first screen is drawn', async () => {
  vi.mocked(invoke).mockResolvedValue(null);
  markInteractive();
  markInteractive();
  expect(invoke).not.toHaveBeenCalledWith('ui_ready');
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  expect(vi.mocked(invoke).mock.calls.filter(([cmd]) => cmd === 'ui_ready')).toHaveLength(1);
  markInteractive();
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  expect(vi.mocked(invoke).mock.calls.filter(([cmd]) => cmd === 'ui_ready')).toHaveLength(1);
});

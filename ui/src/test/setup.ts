// Every test runs against mocked Tauri IPC: invoke and listen are vi.fn()s that tests/harness.ts wires to a fake core.
import '@testing-library/jest-dom/vitest';
import { cleanup } from '@testing-library/react';
import { afterEach, vi } from 'vitest';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));
vi.mock('@tauri-apps/api/event', () => ({ listen: vi.fn() }));

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

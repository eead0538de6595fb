// Wires the mocked Tauri invoke/listen (see setup.ts) to an in-memory fake of the till core.
import { invoke } from '@tauri-apps/api/core';
import { listen, type EventCallback } from '@tauri-apps/api/event';
import { vi } from 'vitest';
import { createFakeTill, type FakeTill, type FakeTillOptions } from '../dev/fakeBackend';

export function installFakeTill(opts: FakeTillOptions = {}): FakeTill {
  const fake = createFakeTill(opts);
  vi.mocked(invoke).mockImplementation((cmd: string, args?: unknown) => fake.handle(cmd, args as Record<string, unknown>) as never);
  vi.mocked(listen).mockImplementation(async (event: string, handler: EventCallback<unknown>) =>
    fake.on(event, (payload) => handler({ event, id: 0, payload } as never)),
  );
  return fake;
}

/** A promise with its resolve exposed, to hold a call in flight. */
export function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

import type { TillError } from './api/types';

/** Turns whatever a command rejected with into a TillError (the contract says TillError; be forgiving). */
export function toTillError(e: unknown): TillError {
  if (e && typeof e === 'object' && typeof (e as { message?: unknown }).message === 'string') {
    const o = e as { kind?: unknown; message: string; field?: unknown };
    return {
      kind: typeof o.kind === 'string' ? o.kind : e instanceof Error ? e.name : 'error',
      message: o.message || 'Something went wrong.',
      field: typeof o.field === 'string' ? o.field : null,
    };
  }
  if (typeof e === 'string' && e) return { kind: 'error', message: e, field: null };
  return { kind: 'error', message: 'Something went wrong.', field: null };
}

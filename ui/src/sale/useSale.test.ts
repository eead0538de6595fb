import { act, renderHook } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type { Order } from '../api/types';
import { useSale } from './useSale';

const order = (patch: Partial<Order> = {}): Order => ({
  id: 'ord_1', status: 'open', currency: 'usd', lines: [], total: 0, tax: 0, taxes: [], cash: null, due: 0, tip: 0, payment_intent_id: null, payment_status: null,
  last_error: null, fulfilled_at: null, card_brand: null, card_last4: null, card_read_method: null, created: 1, updated: 1, ...patch,
});

describe('useSale', () => {
  it('keeps a paid order paid whatever late news says, and ignores stale events', () => {
    const onApplied = vi.fn();
    const { result } = renderHook(() => useSale(order(), { eventsWithoutOrder: true, onApplied }));
    act(() => result.current.applyOrder(order({ status: 'paid', updated: 5 }), 'event'));
    act(() => result.current.applyOrder(order({ status: 'awaiting_payment', updated: 9 }), 'event'));
    act(() => result.current.applyOrder(order({ status: 'awaiting_payment', updated: 9 }), 'command'));
    expect(result.current.order?.status).toBe('paid');
    expect(onApplied).toHaveBeenCalledTimes(1);
  });

  it('takes another order only from a command, or from an event when told to while it holds none', () => {
    const kiosk = renderHook(() => useSale(null, { eventsWithoutOrder: false, onApplied: () => {} }));
    act(() => kiosk.result.current.applyOrder(order(), 'event'));
    expect(kiosk.result.current.order).toBeNull();
    const till = renderHook(() => useSale(null, { eventsWithoutOrder: true, onApplied: () => {} }));
    act(() => till.result.current.applyOrder(order(), 'event'));
    expect(till.result.current.order?.id).toBe('ord_1');
    act(() => till.result.current.applyOrder(order({ id: 'ord_2' }), 'event'));
    expect(till.result.current.order?.id).toBe('ord_1');
  });

  it('runs cart commands one after another, each on the order the previous one answered', async () => {
    const { result } = renderHook(() => useSale(order(), { eventsWithoutOrder: true, onApplied: () => {} }));
    const seen: number[] = [];
    const step = (o: Order) => {
      seen.push(o.total);
      return new Promise<Order>((resolve) => setTimeout(() => resolve({ ...o, total: o.total + 100, updated: o.updated + 1 }), 5));
    };
    await act(async () => {
      void result.current.mutate(step);
      void result.current.mutate(step);
      await result.current.mutate(step);
    });
    expect(seen).toEqual([0, 100, 200]);
    expect(result.current.order?.total).toBe(300);
    expect(result.current.pending).toBe(0);
  });
});

// The sale on screen, shared by the cashier's till and the kiosk: the one way an order enters the screen (a
// command's answer, an event, or a refresh), and cart commands run one after another.
import { useCallback, useRef, useState } from 'react';
import type { Order } from '../api/types';

export type OrderSource = 'command' | 'event';

export interface SaleOptions {
  /** Called after an order was taken onto the screen; the screen moves its own stage from it. */
  onApplied: (o: Order) => void;
  /**
   * Whether an event may bring an order when the screen holds none. The cashier's till shows whatever its core
   * reports; the kiosk ignores news while nobody is at it.
   */
  eventsWithoutOrder: boolean;
}

export interface MutateHooks {
  /** Whether the command may run on this order (e.g. the kiosk's cart only while it is open). */
  canRun?: (o: Order) => boolean;
  onOk?: () => void;
  onError?: (e: unknown) => void;
}

export function useSale(initial: Order | null, options: SaleOptions) {
  const [order, setOrderState] = useState<Order | null>(initial);
  const [pending, setPending] = useState(0);
  const orderRef = useRef<Order | null>(initial);
  const queue = useRef<Promise<unknown>>(Promise.resolve());
  const opts = useRef(options);
  opts.current = options;

  /** The one way an order enters the screen. A paid or canceled order is final: late news never takes it back. */
  const applyOrder = useCallback((o: Order, source: OrderSource) => {
    const cur = orderRef.current;
    if (cur && o.id === cur.id) {
      if ((cur.status === 'paid' || cur.status === 'canceled') && o.status !== cur.status) return;
      if (source === 'event' && o.updated < cur.updated) return;
    } else if (source === 'event' && (cur || !opts.current.eventsWithoutOrder)) {
      return; // another order's news
    }
    orderRef.current = o;
    setOrderState(o);
    opts.current.onApplied(o);
  }, []);

  /** Forgets the order on screen (a new sale is about to start, or the customer left). */
  const clear = useCallback(() => {
    orderRef.current = null;
    setOrderState(null);
  }, []);

  /** Puts an order on screen as it is, without the final-status rules (the core's word after a failed cancel). */
  const replace = useCallback((o: Order) => {
    orderRef.current = o;
    setOrderState(o);
  }, []);

  /** Cart commands, one after another, each answered with the whole order. */
  const mutate = useCallback(
    (run: (o: Order) => Promise<Order>, hooks: MutateHooks = {}) => {
      setPending((n) => n + 1);
      const next = queue.current.then(async () => {
        try {
          const o = orderRef.current;
          if (!o || (hooks.canRun && !hooks.canRun(o))) return;
          applyOrder(await run(o), 'command');
          hooks.onOk?.();
        } catch (e) {
          hooks.onError?.(e);
        } finally {
          setPending((n) => n - 1);
        }
      });
      queue.current = next;
      return next;
    },
    [applyOrder],
  );

  /** Resolves once every command queued so far has been answered. */
  const settled = useCallback(() => queue.current, []);

  return { order, orderRef, pending, applyOrder, clear, replace, mutate, settled };
}

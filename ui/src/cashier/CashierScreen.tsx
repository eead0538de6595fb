import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { AppInfo, Catalog, Order, OrderLine, ReaderInfo, TillError } from '../api/types';
import { markInteractive, onCatalog, onOrder, till, type CashierStart } from '../api/till';
import { ErrorNotice } from '../components/ErrorNotice';
import { Progress, START_SPINNER_DELAY_MS } from '../components/Progress';
import { toTillError } from '../errors';
import { formatMoney, keypadAmount, keypadAppend } from '../money';
import { Cart } from './Cart';
import { CashPanel } from './CashPanel';
import { TipPanel } from './TipPanel';
import { Keypad } from './Keypad';
import { PAY_FORM_ID, PaymentPanel } from '../payment/PaymentPanel';
import { ReaderPanel } from '../payment/ReaderPanel';
import { useSale } from '../sale/useSale';
import { stageForCharge, stageOnOrder, stageOnOutcome, useRefreshWhileWaiting, type PayingStage, type PayOutcome } from '../payment/flow';
import { ProductSearch } from './ProductSearch';
import { QuickItems } from './QuickItems';
import { ReceiptView } from './ReceiptView';
import { ScanDetector } from './scanner';

/** How often to ask the core about the intent while waiting for the webhook (a fallback; events come first). */
export const REFRESH_INTERVAL_MS = 3_000;

/**
 * Where the sale stands. 'paid' is entered only when the core reports the order paid (event or refresh):
 * the client-side confirmPayment result never gets further than 'confirming' or 'processing'.
 */
type Stage =
  | { kind: 'loading' }
  | { kind: 'cart' }
  | { kind: 'charging' }
  | { kind: 'cash' }
  | { kind: 'tip' }
  | PayingStage
  | { kind: 'paid' };

type Area = 'boot' | 'items' | 'keypad' | 'cart' | 'payment' | 'newSale' | 'cash' | 'tip';

export function CashierScreen({ info, start }: { info: AppInfo; start?: CashierStart }) {
  // An open cart handed over at start-up is shown at once; any other order goes through boot().
  const startCart = start?.order?.status === 'open' ? start.order : null;
  const [stage, setStage] = useState<Stage>(startCart ? { kind: 'cart' } : { kind: 'loading' });
  const [catalog, setCatalog] = useState<Catalog | null>(start?.catalog ?? null);
  const [catalogError, setCatalogError] = useState<TillError | null>(null);
  const [digits, setDigits] = useState('');
  const [errors, setErrors] = useState<Partial<Record<Area, TillError | null>>>({});
  const [notice, setNotice] = useState<string | null>(null);
  const [payBusy, setPayBusy] = useState(false);
  const [confirmCancel, setConfirmCancel] = useState(false);
  const [canceling, setCanceling] = useState(false);
  const [newSaleBusy, setNewSaleBusy] = useState(false);
  const [cashBusy, setCashBusy] = useState(false);
  const [tipBusy, setTipBusy] = useState(false);
  // The till's card readers (none: the card is typed). With one, the card step starts on it.
  const [readers, setReaders] = useState<ReaderInfo[]>([]);
  const [cardMethod, setCardMethod] = useState<'reader' | 'typed'>('reader');

  const stageRef = useRef<Stage>(stage);
  stageRef.current = stage;
  const cancelingRef = useRef(false);
  const paymentHeading = useRef<HTMLHeadingElement>(null);
  const tryAgainRef = useRef<HTMLButtonElement>(null);
  const keepSaleRef = useRef<HTMLButtonElement>(null);
  const cancelButtonRef = useRef<HTMLButtonElement>(null);

  const setError = useCallback((area: Area, e: unknown) => {
    setErrors((all) => ({ ...all, [area]: e === null ? null : toTillError(e) }));
  }, []);

  const sale = useSale(startCart, {
    eventsWithoutOrder: true,
    onApplied: (o) => {
      if (o.status === 'paid') {
        setStage({ kind: 'paid' });
        return;
      }
      if (o.status === 'canceled') {
        if (!cancelingRef.current) setNotice('This sale was canceled. Starting a new sale.');
        return;
      }
      setStage((s) => stageOnOrder(s, o));
    },
  });
  const { order, orderRef, pending, applyOrder, settled } = sale;
  const reader = readers.find((r) => r.status !== 'offline') ?? readers[0] ?? null;
  const currency = order?.currency ?? catalog?.currency ?? info.currency;
  const queueCommand = sale.mutate;

  /** Cart commands, one after another; each area shows its own error. */
  const mutate = useCallback(
    (area: Area, run: (o: Order) => Promise<Order>) =>
      queueCommand(run, { onOk: () => setError(area, null), onError: (e) => setError(area, e) }),
    [queueCommand, setError],
  );

  const ready = stage.kind !== 'loading' && order !== null && (catalog !== null || catalogError !== null);
  useLayoutEffect(() => {
    if (ready) markInteractive();
  }, [ready]);

  const loadCatalog = useCallback(() => {
    setCatalogError(null);
    till.catalog().then(setCatalog, (e: unknown) => setCatalogError(toTillError(e)));
  }, []);

  const startNewSale = useCallback(async () => {
    setNewSaleBusy(true);
    try {
      const o = await till.newOrder();
      orderRef.current = null;
      cancelingRef.current = false;
      applyOrder(o, 'command');
      setStage({ kind: 'cart' });
      setDigits('');
      setErrors({});
      setCardMethod('reader');
    } catch (e) {
      setError('newSale', e);
    } finally {
      setNewSaleBusy(false);
    }
  }, [applyOrder, setError]);

  /** Picks up an order that already has an intent (the app was restarted mid-payment). */
  const resumePayment = useCallback(
    async (o: Order) => {
      try {
        setStage(stageForCharge(await till.charge(o.id)));
      } catch (e) {
        setStage({ kind: 'cart' });
        setError('payment', e);
      }
    },
    [setError],
  );

  /** `known`: the current order as already read (null: none); absent, it is asked for. */
  const boot = useCallback(async (known?: Order | null) => {
    setError('boot', null);
    try {
      let o = known !== undefined ? known : await till.currentOrder();
      if (!o || o.status === 'canceled') o = await till.newOrder();
      applyOrder(o, 'command');
      if (o.status === 'paid') return;
      // A split whose cash is in the drawer goes on to its card part.
      if (o.status === 'awaiting_payment' || o.cash) await resumePayment(o);
      else setStage({ kind: 'cart' });
    } catch (e) {
      setError('boot', e);
    }
  }, [applyOrder, resumePayment, setError]);

  useEffect(() => {
    const unlisten = onOrder((o) => applyOrder(o, 'event'));
    return () => {
      unlisten.then((un) => un(), () => {});
    };
  }, [applyOrder]);

  // A price or product changed at the backend: the grid shows the catalogue as the core now sells it. A shop's
  // till that could not start a sale before its catalogue arrived starts one now.
  const bootFailed = useRef(false);
  bootFailed.current = !!errors.boot;
  useEffect(() => {
    const unlisten = onCatalog(() => {
      loadCatalog();
      if (bootFailed.current) void boot();
    });
    return () => {
      unlisten.then((un) => un(), () => {});
    };
  }, [loadCatalog, boot]);

  // Once per mount (StrictMode runs effects twice in dev; two boots could ask for two new orders).
  const booted = useRef(false);
  useEffect(() => {
    if (booted.current) return;
    booted.current = true;
    if (!start?.catalog) loadCatalog();
    if (!startCart) void boot(start?.order);
    till.readers().then((r) => setReaders(Array.isArray(r) ? r : []), () => setReaders([]));
  }, [boot, loadCatalog, start, startCart]);

  // An order canceled elsewhere: tell the cashier and start over.
  useEffect(() => {
    if (notice && order?.status === 'canceled' && !cancelingRef.current && !newSaleBusy) void startNewSale();
  }, [notice, order, newSaleBusy, startNewSale]);

  // Fallback while waiting for the webhook: ask the core every few seconds.
  const waitingOrderId = (stage.kind === 'confirming' || stage.kind === 'processing') && order ? order.id : null;
  const applyRefreshed = useCallback((o: Order) => applyOrder(o, 'command'), [applyOrder]);
  const { refreshNow, error: pollError, clearError: clearPollError } = useRefreshWhileWaiting(
    waitingOrderId,
    applyRefreshed,
    REFRESH_INTERVAL_MS,
  );

  // Focus follows the sale.
  useEffect(() => {
    if (stage.kind === 'pay') paymentHeading.current?.focus();
    if (stage.kind === 'declined') tryAgainRef.current?.focus();
  }, [stage.kind]);
  useEffect(() => {
    if (confirmCancel) keepSaleRef.current?.focus();
  }, [confirmCancel]);

  // ---- actions ----
  const locked = stage.kind !== 'cart';
  const lines = order?.lines ?? [];
  const canCharge = stage.kind === 'cart' && lines.length > 0 && (order?.total ?? 0) > 0 && pending === 0;

  const addItem = (sku: string) => void mutate('items', () => till.addItem(sku));
  const scan = (code: string) => void mutate('items', () => till.scan(code));
  const addCustom = () => {
    const amount = keypadAmount(digits, currency);
    if (amount <= 0 || locked) return;
    void mutate('keypad', async () => {
      const o = await till.addCustom(amount);
      setDigits('');
      return o;
    });
  };
  const step = (line: OrderLine, delta: 1 | -1) =>
    void mutate('cart', (o) => {
      const current = o.lines.find((l) => l.id === line.id);
      const q = (current?.quantity ?? line.quantity) + delta;
      return q < 1 ? till.removeLine(line.id) : till.setQuantity(line.id, q);
    });
  const remove = (line: OrderLine) => void mutate('cart', () => till.removeLine(line.id));

  const tipChoices = catalog?.tip_percents ?? [];

  /** The card's turn: the tip first when the store offers them, then the intent. */
  const charge = async () => {
    const o = orderRef.current;
    if (!o || !canCharge) return;
    await settled();
    setError('cart', null);
    setError('payment', null);
    if (tipChoices.length > 0) {
      setError('tip', null);
      setStage({ kind: 'tip' });
      return;
    }
    await chargeNow(o.id);
  };

  const chargeNow = async (orderId: string) => {
    setStage({ kind: 'charging' });
    try {
      const info = await till.charge(orderId);
      setStage({ kind: 'pay', charge: info, attempt: 1 });
    } catch (e) {
      setStage({ kind: 'cart' });
      setError('cart', e);
    }
  };

  const pickTip = async (basisPoints: number) => {
    const o = orderRef.current;
    if (!o || tipBusy) return;
    setTipBusy(true);
    setError('tip', null);
    try {
      applyOrder(await till.setTip(o.id, basisPoints), 'command');
      await chargeNow(o.id);
    } catch (e) {
      setError('tip', e);
    } finally {
      setTipBusy(false);
    }
  };

  const openCash = async () => {
    if (!orderRef.current || !canCharge) return;
    await settled();
    setError('cart', null);
    setError('cash', null);
    setStage({ kind: 'cash' });
  };

  /** From the card step: the customer pays cash instead (or part in cash); the card's intent waits unpaid. */
  const switchToCash = () => {
    if (stageRef.current.kind !== 'pay' || payBusy) return;
    setError('cash', null);
    setStage({ kind: 'cash' });
  };

  /** Cash in full pays the sale (the core says paid, and the receipt shows the change); less is a split. */
  const takeCash = async (given: number) => {
    const o = orderRef.current;
    if (!o || cashBusy) return;
    setCashBusy(true);
    setError('cash', null);
    try {
      const after = await till.payCash(o.id, given);
      applyOrder(after, 'command');
      if (after.status !== 'paid') {
        if (tipChoices.length > 0) {
          setStage({ kind: 'tip' });
          return;
        }
        setStage({ kind: 'charging' });
        try {
          setStage(stageForCharge(await till.charge(after.id)));
        } catch (e) {
          setStage({ kind: 'cart' });
          setError('payment', e);
        }
      }
    } catch (e) {
      setError('cash', e);
    } finally {
      setCashBusy(false);
    }
  };

  // Paid (or canceled) already: the core's word wins (stageOnOutcome changes only 'pay').
  const onOutcome = useCallback((out: PayOutcome) => setStage((s) => stageOnOutcome(s, out)), []);

  const tryAnotherCard = async () => {
    const s = stageRef.current;
    const o = orderRef.current;
    if (s.kind !== 'declined' || s.retrying || !o) return;
    setStage({ ...s, retrying: true });
    setError('payment', null);
    try {
      // The same order keeps its PaymentIntent: the core answers with the same one.
      const info = await till.charge(o.id);
      setStage((cur) => (cur.kind === 'declined' ? { kind: 'pay', charge: info, attempt: s.attempt + 1 } : cur));
    } catch (e) {
      setStage((cur) => (cur.kind === 'declined' ? { ...cur, retrying: false } : cur));
      setError('payment', e);
    }
  };

  const cancelSale = async () => {
    const o = orderRef.current;
    if (!o) return;
    setCanceling(true);
    cancelingRef.current = true;
    try {
      applyOrder(await till.cancelSale(o.id), 'command');
      setConfirmCancel(false);
      await startNewSale();
    } catch (e) {
      cancelingRef.current = false;
      setError('cart', e);
      setConfirmCancel(false);
    } finally {
      setCanceling(false);
    }
  };

  const closeConfirm = () => {
    setConfirmCancel(false);
    requestAnimationFrame(() => cancelButtonRef.current?.focus());
  };

  const canCancel =
    !canceling &&
    order !== null &&
    (stage.kind === 'cart' ? lines.length > 0 : stage.kind === 'pay' ? !payBusy : stage.kind === 'declined');

  // ---- keyboard ----
  const keys = { stage, digits, canCharge, confirmCancel, closeConfirm, addCustom, charge, tryAnotherCard, startNewSale, scan };
  const keyState = useRef(keys);
  keyState.current = keys;
  const scanner = useRef(new ScanDetector());
  /** The keypad's digits before the current burst of keys: a burst that turns out to be a scan gives them back. */
  const digitsBeforeBurst = useRef('');
  useEffect(() => {
    function onKey(e: KeyboardEvent) {
      if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || e.isComposing) return;
      const k = keyState.current;
      const target = e.target instanceof Element ? e.target : null;
      if (target?.closest('input, textarea, select, [contenteditable="true"], iframe')) return;
      // A scanner types like a keyboard; only the timing tells its code from the cashier's keypad digits.
      const fed = scanner.current.feed(e.key, e.timeStamp || performance.now());
      if (fed.kind === 'burst-start') digitsBeforeBurst.current = k.digits;
      if (fed.kind === 'scan') {
        e.preventDefault();
        if (k.stage.kind === 'cart' && !k.confirmCancel) {
          setDigits(digitsBeforeBurst.current);
          k.scan(fed.code);
        }
        return;
      }
      const onControl = !!target?.closest('button, a[href], summary, [role="button"]');
      if (k.confirmCancel) {
        if (e.key === 'Escape') {
          e.preventDefault();
          k.closeConfirm();
        }
        return;
      }
      const kind = k.stage.kind;
      if (kind === 'cart') {
        if (/^[0-9]$/.test(e.key)) {
          e.preventDefault();
          setDigits((d) => keypadAppend(d, e.key, currency));
        } else if (e.key === 'Backspace') {
          e.preventDefault();
          setDigits((d) => d.slice(0, -1));
        } else if (e.key === 'Escape') {
          e.preventDefault();
          setDigits('');
        } else if (e.key === '+' || (e.key === 'Enter' && !onControl && k.digits)) {
          e.preventDefault();
          k.addCustom();
        } else if (e.key === 'Enter' && !onControl && k.canCharge) {
          e.preventDefault();
          void k.charge();
        }
      } else if (e.key === 'Enter' && !onControl) {
        if (kind === 'pay') {
          e.preventDefault();
          (document.getElementById(PAY_FORM_ID) as HTMLFormElement | null)?.requestSubmit();
        } else if (kind === 'declined') {
          e.preventDefault();
          void k.tryAnotherCard();
        } else if (kind === 'paid') {
          e.preventDefault();
          void k.startNewSale();
        }
      }
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [currency]);

  // ---- render ----
  if (errors.boot) {
    return (
      <main className="boot">
        <ErrorNotice error={errors.boot} onRetry={() => void boot()} />
      </main>
    );
  }
  if (stage.kind === 'loading' || !order) {
    return (
      <main className="boot">
        <Progress label="Opening the till…" size="large" delayMs={START_SPINNER_DELAY_MS} />
      </main>
    );
  }
  if (stage.kind === 'paid') {
    return (
      <ReceiptView
        key={order.id}
        orderId={order.id}
        printer={info.receipt_printer}
        onNewSale={() => void startNewSale()}
        newSaleBusy={newSaleBusy}
        newSaleError={errors.newSale ?? null}
        onDismissNewSaleError={() => setError('newSale', null)}
      />
    );
  }

  return (
    <main className="cashier">
      <div className={`work-column${locked ? ' is-locked' : ''}`} inert={confirmCancel}>
        {notice ? (
          <div className="notice" role="status">
            <p>{notice}</p>
            <button type="button" className="btn-icon" aria-label="Dismiss notice" onClick={() => setNotice(null)}>
              ×
            </button>
          </div>
        ) : null}
        <ProductSearch currency={currency} disabled={locked} onAdd={addItem} />
        <QuickItems catalog={catalog} loadError={catalogError} disabled={locked} onAdd={addItem} onRetry={loadCatalog} />
        <ErrorNotice error={errors.items} onDismiss={() => setError('items', null)} />
        <Keypad
          digits={digits}
          currency={currency}
          disabled={locked}
          busy={pending > 0}
          onDigits={(t) => setDigits((d) => keypadAppend(d, t, currency))}
          onBackspace={() => setDigits((d) => d.slice(0, -1))}
          onClear={() => setDigits('')}
          onAdd={addCustom}
        />
        <ErrorNotice error={errors.keypad} onDismiss={() => setError('keypad', null)} />
        {locked ? (
          <p className="locked-note" role="note">
            The sale is locked while the customer pays. Cancel the sale to change it.
          </p>
        ) : null}
      </div>

      <section className="sale-column" aria-labelledby="cart-title" inert={confirmCancel}>
        <div className="panel sale-panel">
          <Cart
            order={order}
            locked={locked}
            onStep={step}
            onRemove={remove}
            actions={
              <button
                ref={cancelButtonRef}
                type="button"
                className="btn btn-ghost btn-small"
                disabled={!canCancel}
                onClick={() => setConfirmCancel(true)}
              >
                Cancel sale
              </button>
            }
          />
          <ErrorNotice error={errors.cart} onDismiss={() => setError('cart', null)} />

          {stage.kind === 'cart' || stage.kind === 'charging' ? (
            <button
              type="button"
              className="btn btn-primary btn-large btn-block charge-button"
              disabled={!canCharge}
              onClick={() => void charge()}
              aria-keyshortcuts="Enter"
            >
              {stage.kind === 'charging' ? (
                'Preparing payment…'
              ) : (
                <>
                  Charge {formatMoney(order.due, order.currency)}
                  <kbd aria-hidden="true">Enter</kbd>
                </>
              )}
            </button>
          ) : null}
          {stage.kind === 'cart' && !order.cash ? (
            <button type="button" className="btn btn-large btn-block cash-button" disabled={!canCharge} onClick={() => void openCash()}>
              Cash
            </button>
          ) : null}
          {stage.kind === 'charging' ? <Progress label="Preparing payment…" /> : null}
        </div>

        {stage.kind === 'tip' ? (
          <div className="panel payment-panel">
            <TipPanel
              order={order}
              choices={tipChoices}
              busy={tipBusy}
              error={errors.tip ?? null}
              onDismissError={() => setError('tip', null)}
              onPick={(bp) => void pickTip(bp)}
              onBack={() => setStage({ kind: 'cart' })}
            />
          </div>
        ) : null}

        {stage.kind === 'cash' ? (
          <div className="panel payment-panel">
            <CashPanel
              order={order}
              busy={cashBusy}
              error={errors.cash ?? null}
              onDismissError={() => setError('cash', null)}
              onTake={(given) => void takeCash(given)}
              onBack={() => setStage({ kind: 'cart' })}
            />
          </div>
        ) : null}

        {stage.kind === 'pay' || stage.kind === 'declined' || stage.kind === 'confirming' || stage.kind === 'processing' ? (
          <div className="panel payment-panel">
            <h2 className="panel-title" ref={paymentHeading} tabIndex={-1}>
              Card payment
            </h2>
            {stage.kind === 'pay' && (reader || !order.cash) ? (
              <div className="pay-methods" role="tablist" aria-label="How the customer pays">
                {reader ? (
                  <button
                    type="button"
                    role="tab"
                    aria-selected={cardMethod === 'reader'}
                    className={`pay-method${cardMethod === 'reader' ? ' is-active' : ''}`}
                    disabled={payBusy}
                    onClick={() => setCardMethod('reader')}
                  >
                    Card reader
                  </button>
                ) : null}
                <button
                  type="button"
                  role="tab"
                  aria-selected={!reader || cardMethod === 'typed'}
                  className={`pay-method${!reader || cardMethod === 'typed' ? ' is-active' : ''}`}
                  disabled={payBusy}
                  onClick={() => setCardMethod('typed')}
                >
                  Type card
                </button>
                {!order.cash ? (
                  <button type="button" role="tab" aria-selected={false} className="pay-method" disabled={payBusy} onClick={switchToCash}>
                    Cash
                  </button>
                ) : null}
              </div>
            ) : null}
            {stage.kind === 'pay' && reader && cardMethod === 'reader' ? (
              <ReaderPanel
                key={`${stage.charge.payment_intent_id}:${stage.attempt}`}
                orderId={order.id}
                amount={stage.charge.amount}
                currency={stage.charge.currency}
                reader={reader}
                paymentIntentId={stage.charge.payment_intent_id}
                onBusyChange={setPayBusy}
              />
            ) : stage.kind === 'pay' ? (
              <PaymentPanel
                charge={stage.charge}
                attempt={stage.attempt}
                intentStatus={order.payment_status}
                onOutcome={onOutcome}
                onBusyChange={setPayBusy}
              />
            ) : stage.kind === 'declined' ? (
              <div className="declined">
                <div className="declined-box" role="alert">
                  <p className="declined-title">Payment declined</p>
                  <p className="declined-message">{stage.message}</p>
                </div>
                <button
                  ref={tryAgainRef}
                  type="button"
                  className="btn btn-primary btn-large btn-block"
                  disabled={stage.retrying}
                  onClick={() => void tryAnotherCard()}
                  aria-keyshortcuts="Enter"
                >
                  {stage.retrying ? 'Preparing…' : 'Try another card'}
                </button>
                {stage.retrying ? <Progress label="Preparing the card form…" /> : null}
              </div>
            ) : (
              <div className="waiting">
                {stage.kind === 'confirming' ? (
                  <Progress
                    size="large"
                    label="Confirming payment with the bank…"
                    detail="The card was accepted. The sale completes when Stripe confirms it."
                  />
                ) : (
                  <Progress
                    size="large"
                    label="Payment processing — waiting for the bank…"
                    detail="This payment method confirms asynchronously. It can take a moment."
                  />
                )}
                <ErrorNotice error={pollError} onDismiss={clearPollError} />
                <button type="button" className="btn btn-small" onClick={() => void refreshNow()}>
                  Check now
                </button>
              </div>
            )}
            <ErrorNotice error={errors.payment} onDismiss={() => setError('payment', null)} />
          </div>
        ) : null}

      </section>

      {confirmCancel ? (
        <div className="modal-backdrop">
          <div className="confirm" role="alertdialog" aria-modal="true" aria-labelledby="cancel-q" aria-describedby="cancel-d">
            <p id="cancel-q" className="confirm-title">
              Cancel this sale?
            </p>
            <p id="cancel-d" className="muted">
              {stage.kind === 'cart'
                ? `The cart (${formatMoney(order.total, order.currency)}) is cleared.`
                : `The card payment of ${formatMoney(order.due, order.currency)} is voided and the cart is cleared.`}
              {order.cash ? ` Hand back ${formatMoney(order.cash.amount, order.currency)} in cash.` : ''}
            </p>
            <div className="confirm-actions">
              <button ref={keepSaleRef} type="button" className="btn btn-large" onClick={closeConfirm} disabled={canceling}>
                Keep sale
              </button>
              <button type="button" className="btn btn-danger btn-large" onClick={() => void cancelSale()} disabled={canceling}>
                {canceling ? 'Canceling…' : 'Yes, cancel sale'}
              </button>
            </div>
            {canceling ? <Progress label="Canceling the sale…" /> : null}
          </div>
        </div>
      ) : null}
    </main>
  );
}

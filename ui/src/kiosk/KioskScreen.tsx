import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { AppInfo, Catalog, Order, ReaderInfo, TillError } from '../api/types';
import { admin, markInteractive, onCatalog, onOrder, till } from '../api/till';
import { PinPad, usePinLock } from '../components/PinPad';
import { SyncBanner } from '../components/SyncBanner';
import { toTillError } from '../errors';
import { formatMoney } from '../money';
import { customerDeclineMessage } from '../payment/declines';
import { isWaiting, stageForCharge, stageOnOrder, stageOnOutcome, useRefreshWhileWaiting, type PayingStage, type PayOutcome } from '../payment/flow';
import { PaymentPanel } from '../payment/PaymentPanel';
import { ReaderPanel } from '../payment/ReaderPanel';
import { useSale } from '../sale/useSale';
import { KIOSK_REFRESH_MS, kioskTimings, type KioskTimings } from './config';
import { IdleOverlay } from './IdleOverlay';
import { ItemTiles } from './ItemTiles';
import { installKioskLockdown } from './lockdown';
import { ThanksScreen } from './ThanksScreen';
import { useIdle } from './useIdle';
import '../styles/kiosk.css';

/**
 * The customer's way through. 'thanks' is entered only when the core reports the order paid (event or refresh),
 * never from confirmPayment alone.
 */
type Stage =
  | { kind: 'loading' }
  | { kind: 'welcome' }
  | { kind: 'starting' }
  | { kind: 'items' }
  | { kind: 'charging' }
  | PayingStage
  | { kind: 'thanks' };

/** Taps on the logo within this window open the staff PIN pad; so does a long press or Ctrl+Alt+K. */
const LOGO_TAPS = 5;
const LOGO_TAP_WINDOW_MS = 3_000;
const LOGO_LONG_PRESS_MS = 2_000;

interface Props {
  info: AppInfo;
  /** Overrides kioskTimings() (tests). */
  timings?: Partial<KioskTimings>;
}

export function KioskScreen({ info, timings }: Props) {
  const t = useMemo<KioskTimings>(() => ({ ...kioskTimings(), ...timings }), [timings]);
  const [stage, setStage] = useState<Stage>({ kind: 'loading' });
  const [catalog, setCatalog] = useState<Catalog | null>(null);
  const [catalogError, setCatalogError] = useState<TillError | null>(null);
  const [error, setError] = useState<TillError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [payBusy, setPayBusy] = useState(false);
  const [confirmStartOver, setConfirmStartOver] = useState(false);
  const [abandoning, setAbandoning] = useState(false);
  const [pinOpen, setPinOpen] = useState(false);
  const [exiting, setExiting] = useState(false);
  // With a card reader assigned, the customer pays on it; without, the card is typed on the screen.
  const [reader, setReader] = useState<ReaderInfo | null>(null);
  const readerRef = useRef<ReaderInfo | null>(null);
  readerRef.current = reader;
  // The customer chose to type the card on the screen instead (a card that will not tap, say).
  const [typeCard, setTypeCard] = useState(false);
  const pinLock = usePinLock();

  const stageRef = useRef<Stage>(stage);
  stageRef.current = stage;
  const abandoningRef = useRef(false);
  const heading = useRef<HTMLElement | null>(null);
  const setHeading = (el: HTMLElement | null) => {
    heading.current = el;
  };

  const ready = stage.kind !== 'loading' && (catalog !== null || catalogError !== null);
  useLayoutEffect(() => {
    if (ready) markInteractive();
  }, [ready]);

  // ---- lock the webview down while the kiosk is on screen ----
  useEffect(() => installKioskLockdown(), []);

  const sale = useSale(null, {
    eventsWithoutOrder: false,
    onApplied: (o) => {
      if (o.status === 'paid') {
        setConfirmStartOver(false);
        setStage({ kind: 'thanks' });
        return;
      }
      if (o.status === 'canceled') {
        if (!abandoningRef.current) goWelcome('Your order was canceled. Please start again.');
        return;
      }
      setStage((s) => stageOnOrder(s, o));
    },
  });
  const { order, orderRef, pending, applyOrder, clear, replace, settled } = sale;
  const queueCommand = sale.mutate;

  const goWelcome = useCallback((message: string | null = null) => {
    clear();
    setStage({ kind: 'welcome' });
    setError(null);
    setPayBusy(false);
    setTypeCard(false);
    setConfirmStartOver(false);
    setNotice(message);
  }, [clear]);

  /** Cart commands, one after another, while the cart is open. */
  const mutate = useCallback(
    (run: (o: Order) => Promise<Order>) =>
      queueCommand(run, {
        canRun: (o) => o.status === 'open',
        onOk: () => setError(null),
        onError: (e) => setError(toTillError(e)),
      }),
    [queueCommand],
  );

  const loadCatalog = useCallback(() => {
    setCatalogError(null);
    till.catalog().then(setCatalog, (e: unknown) => setCatalogError(toTillError(e)));
  }, []);

  useEffect(() => {
    till.readers().then(
      (rs) => setReader((Array.isArray(rs) ? rs : []).find((r) => r.status !== 'offline') ?? null),
      () => setReader(null),
    );
  }, []);

  // Boot: pick up a sale in progress (the app restarted mid-payment); otherwise Welcome.
  const booted = useRef(false);
  useEffect(() => {
    if (booted.current) return;
    booted.current = true;
    loadCatalog();
    void (async () => {
      try {
        const o = await till.currentOrder();
        if (o && o.status === 'awaiting_payment') {
          applyOrder(o, 'command');
          setStage(stageForCharge(await till.charge(o.id)));
        } else if (o && o.status === 'open' && o.lines.length > 0) {
          applyOrder(o, 'command');
          setStage({ kind: 'items' });
        } else {
          setStage({ kind: 'welcome' });
        }
      } catch {
        setStage({ kind: 'welcome' });
      }
    })();
  }, [applyOrder, loadCatalog]);

  useEffect(() => {
    const unlisten = onCatalog(loadCatalog);
    return () => {
      unlisten.then((un) => un(), () => {});
    };
  }, [loadCatalog]);

  useEffect(() => {
    const unlisten = onOrder((o) => applyOrder(o, 'event'));
    return () => {
      unlisten.then((un) => un(), () => {});
    };
  }, [applyOrder]);

  // Fallback while waiting for the webhook.
  const waitingOrderId = isWaiting(stage) && order ? order.id : null;
  const applyRefreshed = useCallback((o: Order) => applyOrder(o, 'command'), [applyOrder]);
  useRefreshWhileWaiting(waitingOrderId, applyRefreshed, KIOSK_REFRESH_MS);

  // Focus follows the screen, for keyboards and screen readers.
  useEffect(() => {
    if (stage.kind !== 'thanks' && stage.kind !== 'declined') heading.current?.focus();
  }, [stage.kind]);

  // ---- actions ----
  const start = async () => {
    if (stageRef.current.kind !== 'welcome') return;
    setStage({ kind: 'starting' });
    setNotice(null);
    setError(null);
    try {
      orderRef.current = null;
      const o = await till.newOrder();
      applyOrder(o, 'command');
      setStage({ kind: 'items' });
    } catch (e) {
      setStage({ kind: 'welcome' });
      setError(toTillError(e));
    }
  };

  const add = (sku: string) => void mutate(() => till.addItem(sku));
  const removeOne = (sku: string) =>
    void mutate((o) => {
      const line = [...o.lines].reverse().find((l) => l.sku === sku);
      if (!line) return Promise.resolve(o);
      return line.quantity > 1 ? till.setQuantity(line.id, line.quantity - 1) : till.removeLine(line.id);
    });

  const pay = async () => {
    const o = orderRef.current;
    if (!o || stageRef.current.kind !== 'items') return;
    await settled();
    const cur = orderRef.current;
    if (!cur || cur.lines.length === 0 || cur.total <= 0) return;
    setError(null);
    setStage({ kind: 'charging' });
    try {
      const charge = await till.charge(cur.id);
      setStage((s) => (s.kind === 'charging' ? { kind: 'pay', charge, attempt: 1 } : s));
    } catch (e) {
      setStage((s) => (s.kind === 'charging' ? { kind: 'items' } : s));
      setError(toTillError(e));
    }
  };

  const onOutcome = useCallback((out: PayOutcome) => setStage((s) => stageOnOutcome(s, out)), []);

  const tryAnotherCard = async () => {
    const s = stageRef.current;
    const o = orderRef.current;
    if (s.kind !== 'declined' || s.retrying || !o) return;
    setStage({ ...s, retrying: true });
    setError(null);
    try {
      // The same order keeps its PaymentIntent: the core answers with the same one.
      const charge = await till.charge(o.id);
      setStage((cur) => (cur.kind === 'declined' ? { kind: 'pay', charge, attempt: s.attempt + 1 } : cur));
    } catch (e) {
      setStage((cur) => (cur.kind === 'declined' ? { ...cur, retrying: false } : cur));
      setError(toTillError(e));
    }
  };

  /** Cancels the order (and its intent) and goes back to Welcome: the idle timeout or "Start over". */
  const abandon = useCallback(async () => {
    const o = orderRef.current;
    abandoningRef.current = true;
    setAbandoning(true);
    setConfirmStartOver(false);
    try {
      await settled();
      // The reader stops waiting for a card first, so nobody pays for a sale that is being abandoned.
      const r = readerRef.current;
      if (r && stageRef.current.kind === 'pay') await till.cancelReader(r.reader_id).catch(() => undefined);
      if (o && (o.status === 'open' || o.status === 'awaiting_payment')) await admin.abandonSale(o.id);
      goWelcome();
    } catch {
      // Perhaps it was paid meanwhile: the core's word decides.
      try {
        const cur = o ? await till.order(o.id) : null;
        if (cur && cur.status === 'paid') {
          replace(cur);
          setStage({ kind: 'thanks' });
          return;
        }
      } catch {
        /* start over anyway */
      }
      goWelcome();
    } finally {
      abandoningRef.current = false;
      setAbandoning(false);
    }
  }, [goWelcome]);

  // ---- idle ----
  const paying =
    stage.kind === 'starting' || stage.kind === 'charging' || isWaiting(stage) || (stage.kind === 'pay' && payBusy);
  const idleEnabled =
    !paying && !abandoning && !exiting && (stage.kind === 'items' || stage.kind === 'pay' || stage.kind === 'declined' || pinOpen);
  const onIdle = useCallback(() => {
    setPinOpen(false);
    const k = stageRef.current.kind;
    if (k === 'items' || k === 'pay' || k === 'declined') void abandon();
  }, [abandon]);
  const idle = useIdle(idleEnabled, t.idleSeconds, t.countdownSeconds, onIdle);

  // ---- staff exit: Ctrl+Alt+K, 5 taps or a long press on the logo ----
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey && e.altKey && (e.key === 'k' || e.key === 'K' || e.code === 'KeyK')) {
        e.preventDefault();
        setPinOpen(true);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  const taps = useRef<number[]>([]);
  const press = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const logoDown = () => {
    const now = Date.now();
    taps.current = [...taps.current.filter((x) => now - x < LOGO_TAP_WINDOW_MS), now];
    if (taps.current.length >= LOGO_TAPS) {
      taps.current = [];
      setPinOpen(true);
      return;
    }
    clearTimeout(press.current);
    press.current = setTimeout(() => {
      taps.current = [];
      setPinOpen(true);
    }, LOGO_LONG_PRESS_MS);
  };
  const logoUp = () => clearTimeout(press.current);
  useEffect(() => () => clearTimeout(press.current), []);

  // ---- render ----
  const modal = pinOpen || confirmStartOver || idle.remaining !== null || exiting;
  const currency = order?.currency ?? catalog?.currency ?? info.currency;
  const money = (n: number) => formatMoney(n, currency);
  const canStartOver =
    !abandoning &&
    (stage.kind === 'items' || stage.kind === 'declined' || (stage.kind === 'pay' && !payBusy));

  let screen;
  switch (stage.kind) {
    case 'loading':
      screen = (
        <main className="kscreen kcenter" aria-busy="true">
          <p className="kbig">One moment…</p>
        </main>
      );
      break;
    case 'welcome':
    case 'starting':
      screen = (
        <main className="kscreen kwelcome" data-testid="kiosk-welcome" aria-labelledby="welcome-title">
          <h1 id="welcome-title" className="sr-only">
            Welcome
          </h1>
          {notice ? (
            <p className="knotice" role="status">
              {notice}
            </p>
          ) : null}
          <button
            type="button"
            className="kwelcome-button"
            onClick={() => void start()}
            disabled={stage.kind === 'starting'}
            ref={setHeading}
          >
            <span className="kwelcome-hello">Welcome</span>
            <span className="kwelcome-cta">{stage.kind === 'starting' ? 'Starting…' : 'Tap to start'}</span>
            <span className="kwelcome-sub">Order and pay by card here</span>
          </button>
          {error ? (
            <p className="kerror" role="alert">
              Sorry, something went wrong: {error.message} Please try again.
            </p>
          ) : null}
        </main>
      );
      break;
    case 'items': {
      const lines = order?.lines ?? [];
      const total = order?.total ?? 0;
      screen = (
        <main className="kscreen kitems" data-testid="kiosk-items" aria-labelledby="items-title">
          <section className="kitems-pick" aria-labelledby="items-title">
            <h1 id="items-title" ref={setHeading} tabIndex={-1}>
              Choose your items
            </h1>
            {catalogError ? (
              <div className="kerror" role="alert">
                <p>The items could not be loaded: {catalogError.message}</p>
                <button type="button" className="kbtn" onClick={loadCatalog}>
                  Try again
                </button>
              </div>
            ) : !catalog || !order ? (
              <p className="kmuted" role="status">
                Loading items…
              </p>
            ) : (
              <ItemTiles catalog={catalog} order={order} disabled={abandoning} onAdd={add} onRemoveOne={removeOne} />
            )}
          </section>
          <aside className="korder" aria-labelledby="order-title">
            <h2 id="order-title">Your order</h2>
            {lines.length === 0 ? (
              <p className="kmuted korder-empty">Tap + on an item to add it.</p>
            ) : (
              <ul className="korder-lines" aria-label="Items in your order">
                {lines.map((l) => (
                  <li key={l.id}>
                    <span className="korder-qty">{l.quantity}×</span>
                    <span className="korder-name">{l.name}</span>
                    <span className="korder-amount">{money(l.amount)}</span>
                  </li>
                ))}
              </ul>
            )}
            <div className="korder-total" aria-live="polite" aria-atomic="true">
              <span>Total</span>
              <strong data-testid="kiosk-total">{money(total)}</strong>
            </div>
            {error ? (
              <p className="kerror" role="alert">
                {error.message}
              </p>
            ) : null}
            <button
              type="button"
              className="kbtn kbtn-primary kbtn-pay"
              disabled={lines.length === 0 || total <= 0 || pending > 0 || abandoning}
              onClick={() => void pay()}
            >
              Pay {money(total)}
            </button>
          </aside>
        </main>
      );
      break;
    }
    case 'charging':
    case 'pay':
    case 'declined':
    case 'confirming':
    case 'processing':
      screen = (
        <main className="kscreen kpay" data-testid="kiosk-pay" aria-labelledby="pay-title">
          <section className="kpay-summary" aria-labelledby="summary-title">
            <h2 id="summary-title">Your order</h2>
            <ul className="korder-lines" aria-label="Items in your order">
              {(order?.lines ?? []).map((l) => (
                <li key={l.id}>
                  <span className="korder-qty">{l.quantity}×</span>
                  <span className="korder-name">{l.name}</span>
                  <span className="korder-amount">{money(l.amount)}</span>
                </li>
              ))}
            </ul>
            <div className="korder-total">
              <span>Total</span>
              <strong>{money(order?.total ?? 0)}</strong>
            </div>
          </section>
          <section className="kpay-card" aria-labelledby="pay-title">
            <h1 id="pay-title" ref={setHeading} tabIndex={-1}>
              Pay by card
            </h1>
            {stage.kind === 'charging' ? (
              <div className="kwait" role="status">
                <span className="spinner kspinner" aria-hidden="true" />
                <p className="kbig">Getting the card reader ready…</p>
              </div>
            ) : stage.kind === 'pay' && reader && order && !typeCard ? (
              <>
                <ReaderPanel
                  key={`${stage.charge.payment_intent_id}:${stage.attempt}`}
                  orderId={order.id}
                  amount={stage.charge.amount}
                  currency={stage.charge.currency}
                  reader={reader}
                  paymentIntentId={stage.charge.payment_intent_id}
                  variant="kiosk"
                  onBusyChange={setPayBusy}
                />
                <button type="button" className="kbtn kbtn-link" disabled={payBusy} onClick={() => setTypeCard(true)}>
                  Enter card details on the screen instead
                </button>
              </>
            ) : stage.kind === 'pay' ? (
              <PaymentPanel
                charge={stage.charge}
                attempt={stage.attempt}
                intentStatus={order?.payment_status ?? null}
                onOutcome={onOutcome}
                onBusyChange={setPayBusy}
                variant="kiosk"
                onActivity={idle.poke}
              />
            ) : stage.kind === 'declined' ? (
              <div className="kdeclined">
                <div className="kdeclined-box" role="alert">
                  <span className="kdeclined-icon" aria-hidden="true">
                    ✕
                  </span>
                  <p>{customerDeclineMessage(stage.code, stage.message)}</p>
                </div>
                <button
                  type="button"
                  className="kbtn kbtn-primary kbtn-wide"
                  disabled={stage.retrying}
                  onClick={() => void tryAnotherCard()}
                  autoFocus
                >
                  {stage.retrying ? 'One moment…' : 'Try another card'}
                </button>
              </div>
            ) : (
              <div className="kwait" role="status" aria-live="polite">
                <span className="spinner kspinner" aria-hidden="true" />
                <p className="kbig">
                  {stage.kind === 'confirming' ? 'Confirming your payment with the bank…' : 'Your bank is processing the payment…'}
                </p>
                <p className="kmuted">Please wait. This can take a moment.</p>
              </div>
            )}
            {error ? (
              <p className="kerror" role="alert">
                {error.message}
              </p>
            ) : null}
          </section>
        </main>
      );
      break;
    case 'thanks':
      screen = order ? (
        <ThanksScreen key={order.id} order={order} seconds={t.thanksSeconds} onDone={() => goWelcome()} />
      ) : null;
      break;
  }

  return (
    <div className="kiosk" data-stage={stage.kind}>
      <div className="kiosk-body" inert={modal}>
        <header className="kbar">
          <div
            className="klogo"
            aria-hidden="true"
            onPointerDown={logoDown}
            onPointerUp={logoUp}
            onPointerLeave={logoUp}
            onPointerCancel={logoUp}
            data-testid="kiosk-logo"
          >
            Kassa
          </div>
          <span className="kbar-title">Self-checkout</span>
          {info.mode === 'demo' ? <span className="mode-badge mode-demo">Test mode · no real charges</span> : null}
          <span className="kbar-spacer" />
          {canStartOver ? (
            <button type="button" className="kbtn kbtn-ghost" onClick={() => setConfirmStartOver(true)}>
              Start over
            </button>
          ) : null}
        </header>
        <SyncBanner audience="customer" />
        {screen}
      </div>

      {confirmStartOver ? (
        <div className="modal-backdrop kiosk-overlay">
          <div className="kdialog" role="alertdialog" aria-modal="true" aria-labelledby="so-title" aria-describedby="so-desc">
            <h2 id="so-title">Start over?</h2>
            <p id="so-desc">Your order will be cleared and nothing is charged.</p>
            <div className="kdialog-actions">
              <button type="button" className="kbtn" onClick={() => setConfirmStartOver(false)} autoFocus>
                Keep my order
              </button>
              <button type="button" className="kbtn kbtn-danger" onClick={() => void abandon()}>
                Start over
              </button>
            </div>
          </div>
        </div>
      ) : null}

      {idle.remaining !== null ? <IdleOverlay remaining={idle.remaining} onStillHere={idle.stillHere} /> : null}

      {pinOpen && !exiting ? (
        <PinPad
          title="Staff only"
          description="Enter the staff PIN to leave kiosk mode."
          submitLabel="Leave kiosk"
          check={admin.exitKiosk}
          onSuccess={() => setExiting(true)}
          onCancel={() => setPinOpen(false)}
          lock={pinLock}
          size="large"
        />
      ) : null}

      {exiting ? (
        <div className="modal-backdrop kiosk-overlay">
          <div className="kdialog" role="status">
            <h2>Leaving kiosk mode…</h2>
            <p className="kmuted">Kassa is closing.</p>
          </div>
        </div>
      ) : null}
    </div>
  );
}

import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import type { AppInfo, TillError } from './api/types';
import { ADMIN_LOCKED_EVENT, admin, cashierStart, till, type CashierStart } from './api/till';
import { CashierScreen } from './cashier/CashierScreen';
import { ErrorNotice } from './components/ErrorNotice';
import { PinPad, usePinLock } from './components/PinPad';
import { Progress, START_SPINNER_DELAY_MS } from './components/Progress';
import { SyncBanner } from './components/SyncBanner';
import { toTillError } from './errors';

// The kiosk and admin screens (with their styles) load when a window first shows them: the till's own start
// does not parse or style them.
const AdminScreen = lazy(() => import('./admin/AdminScreen').then((m) => ({ default: m.AdminScreen })));
const KioskScreen = lazy(() => import('./kiosk/KioskScreen').then((m) => ({ default: m.KioskScreen })));

export default function App() {
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [error, setError] = useState<TillError | null>(null);
  const [start, setStart] = useState<CashierStart | undefined>(undefined);
  /** The cashier's window can switch to the admin screen in-app, after the PIN. */
  const [adminOpen, setAdminOpen] = useState(false);
  /** The core's admin session, as far as this window knows: the PIN opens it, leaving or its timeout ends it. */
  const [unlocked, setUnlocked] = useState(false);
  /** The core refused an admin command: the session timed out while the admin screen was open. */
  const [expired, setExpired] = useState(false);
  /** Bumped on each unlock, so the admin screen reloads what it shows. */
  const [unlocks, setUnlocks] = useState(0);
  const pinLock = usePinLock();

  useEffect(() => {
    const onLocked = () => {
      setUnlocked(false);
      setExpired(true);
    };
    window.addEventListener(ADMIN_LOCKED_EVENT, onLocked);
    return () => window.removeEventListener(ADMIN_LOCKED_EVENT, onLocked);
  }, []);

  const load = useCallback(() => {
    setError(null);
    till.appInfo().then(
      async (i) => {
        // Before the first render, so that the cashier's first frame is the sale itself.
        setStart(i.view === 'cashier' ? await cashierStart() : undefined);
        setInfo(i);
      },
      (e: unknown) => setError(toTillError(e)),
    );
  }, []);
  useEffect(load, [load]);

  if (error) {
    return (
      <div className="app">
        <main className="boot">
          <ErrorNotice error={error} onRetry={load} />
        </main>
      </div>
    );
  }
  if (!info) {
    return (
      <div className="app">
        <Loading label="Starting Kassa…" />
      </div>
    );
  }

  // One window, one view: the core opens each window for a view.
  if (info.view === 'kiosk') {
    return (
      <div className="app app-kiosk">
        <Suspense fallback={<Loading />}>
          <KioskScreen info={info} />
        </Suspense>
      </div>
    );
  }

  const leaveAdmin = () => {
    void admin.lock().catch(() => undefined);
    setAdminOpen(false);
    setUnlocked(false);
    setExpired(false);
  };
  const wantsAdmin = info.view === 'admin' || adminOpen;
  const pinOpen = wantsAdmin && !unlocked;
  // Behind an expired session's PIN pad the admin screen stays (inert) rather than flashing away.
  const showAdmin = wantsAdmin && (unlocked || expired);

  let view;
  let onAdmin: (() => void) | undefined;
  switch (info.view) {
    case 'cashier':
      if (showAdmin) {
        view = <AdminScreen key={unlocks} info={info} onBack={leaveAdmin} />;
      } else {
        view = <CashierScreen info={info} start={start} />;
        onAdmin = () => {
          // What the till started with is stale by the time the cashier comes back: the screen reads afresh.
          setStart(undefined);
          setAdminOpen(true);
        };
      }
      break;
    case 'admin':
      view = showAdmin ? <AdminScreen key={unlocks} info={info} /> : null;
      break;
    default:
      view = <Placeholder title={`Unknown view “${String(info.view)}”`} />;
  }

  return (
    <div className="app">
      <div className="app-content" inert={pinOpen}>
        <Header info={info} onAdmin={onAdmin} admin={showAdmin || info.view === 'admin'} />
        <SyncBanner />
        <Suspense fallback={<Loading />}>{view}</Suspense>
      </div>
      {pinOpen ? (
        <PinPad
          title="Admin"
          description={expired ? 'The admin session has timed out. Enter the admin PIN to go on.' : 'Enter the admin PIN to see payments.'}
          submitLabel="Unlock"
          check={admin.verifyPin}
          onSuccess={() => {
            setUnlocked(true);
            setExpired(false);
            setUnlocks((n) => n + 1);
          }}
          onCancel={info.view === 'admin' ? undefined : leaveAdmin}
          lock={pinLock}
        />
      ) : null}
    </div>
  );
}

function Header({ info, onAdmin, admin: isAdmin }: { info: AppInfo; onAdmin?: () => void; admin: boolean }) {
  return (
    <header className="topbar no-print">
      <span className="brand">Kassa{isAdmin ? <span className="brand-sub"> · Admin</span> : null}</span>
      <span className={`mode-badge mode-${info.mode}`}>{info.mode === 'demo' ? 'Demo · test mode' : 'Live'}</span>
      <span className="topbar-spacer" />
      <span className="topbar-meta">
        Terminal <strong>{info.terminal}</strong>
      </span>
      <span className="topbar-meta">{info.currency.toUpperCase()}</span>
      {onAdmin ? (
        <button type="button" className="btn btn-small topbar-button" onClick={onAdmin}>
          Admin
        </button>
      ) : null}
    </header>
  );
}

function Loading({ label = 'Opening…' }: { label?: string }) {
  return (
    <main className="boot">
      <Progress label={label} size="large" delayMs={START_SPINNER_DELAY_MS} />
    </main>
  );
}

function Placeholder({ title }: { title: string }) {
  return (
    <main className="boot">
      <div className="panel placeholder">
        <h1>{title}</h1>
        <p className="muted">This view is not built yet. It will be added in a later version of Kassa.</p>
      </div>
    </main>
  );
}

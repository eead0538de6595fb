import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import type { AppInfo, TillError } from './api/types';
import { admin, cashierStart, till, type CashierStart } from './api/till';
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
  const [pinOpen, setPinOpen] = useState(false);
  const pinLock = usePinLock();

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

  let view;
  let onAdmin: (() => void) | undefined;
  switch (info.view) {
    case 'cashier':
      if (adminOpen) {
        view = <AdminScreen info={info} onBack={() => setAdminOpen(false)} />;
      } else {
        view = <CashierScreen info={info} start={start} />;
        onAdmin = () => setPinOpen(true);
      }
      break;
    case 'admin':
      view = <AdminScreen info={info} />;
      break;
    default:
      view = <Placeholder title={`Unknown view “${String(info.view)}”`} />;
  }

  return (
    <div className="app">
      <div className="app-content" inert={pinOpen}>
        <Header info={info} onAdmin={onAdmin} admin={adminOpen || info.view === 'admin'} />
        <SyncBanner />
        <Suspense fallback={<Loading />}>{view}</Suspense>
      </div>
      {pinOpen ? (
        <PinPad
          title="Admin"
          description="Enter the admin PIN to see payments."
          submitLabel="Unlock"
          check={admin.verifyPin}
          onSuccess={() => {
            setPinOpen(false);
            setAdminOpen(true);
          }}
          onCancel={() => setPinOpen(false)}
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

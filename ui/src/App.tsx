import { useCallback, useEffect, useState } from 'react';
import type { AppInfo, TillError } from './api/types';
import { till } from './api/till';
import { CashierScreen } from './cashier/CashierScreen';
import { ErrorNotice } from './components/ErrorNotice';
import { Progress } from './components/Progress';
import { SyncBanner } from './components/SyncBanner';
import { toTillError } from './errors';

export default function App() {
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [error, setError] = useState<TillError | null>(null);

  const load = useCallback(() => {
    setError(null);
    till.appInfo().then(setInfo, (e: unknown) => setError(toTillError(e)));
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
        <main className="boot">
          <Progress label="Starting Kassa…" size="large" />
        </main>
      </div>
    );
  }

  // One window, one view: the core opens each window for a view.
  let view;
  switch (info.view) {
    case 'cashier':
      view = <CashierScreen info={info} />;
      break;
    case 'kiosk':
      // TODO(kiosk): the customer-facing kiosk screen goes here.
      view = <Placeholder title="Customer kiosk" />;
      break;
    case 'admin':
      // TODO(admin): the back-office screen goes here.
      view = <Placeholder title="Admin" />;
      break;
    default:
      view = <Placeholder title={`Unknown view “${String(info.view)}”`} />;
  }

  return (
    <div className="app">
      <Header info={info} />
      <SyncBanner />
      {view}
    </div>
  );
}

function Header({ info }: { info: AppInfo }) {
  return (
    <header className="topbar no-print">
      <span className="brand">Kassa</span>
      <span className={`mode-badge mode-${info.mode}`}>{info.mode === 'demo' ? 'Demo · test mode' : 'Live'}</span>
      <span className="topbar-spacer" />
      <span className="topbar-meta">
        Terminal <strong>{info.terminal}</strong>
      </span>
      <span className="topbar-meta">{info.currency.toUpperCase()}</span>
    </header>
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

import { useEffect, useRef, useState } from 'react';
import type { SyncStatus } from '../api/types';
import { onSync, till } from '../api/till';

/** Asks again this long after the announced retry time has passed without news. */
const REPOLL_GRACE_MS = 2_000;

/**
 * Red banner while the till cannot reach the backend: what is wrong and when it tries again.
 * A countdown, never an endless spinner.
 */
export function SyncBanner({ audience = 'staff' }: { audience?: 'staff' | 'customer' }) {
  const [status, setStatus] = useState<{ s: SyncStatus; at: number } | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const latest = useRef(0);
  const askedFor = useRef<number | null>(null);

  useEffect(() => {
    let alive = true;
    const apply = (s: SyncStatus) => {
      if (!alive) return;
      latest.current = Date.now();
      setStatus({ s, at: latest.current });
      setNow(latest.current);
    };
    const unlisten = onSync(apply);
    till.syncStatus().then(apply, () => {
      /* the banner is a hint; the event will tell */
    });
    return () => {
      alive = false;
      unlisten.then((un) => un(), () => {});
    };
  }, []);

  const offline = status !== null && !status.s.online;
  const retryAt = offline && status.s.retry_in_ms != null ? status.at + status.s.retry_in_ms : null;

  useEffect(() => {
    if (!offline) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [offline]);

  // Fallback when no sync event arrives after the announced retry: ask the core again.
  useEffect(() => {
    if (retryAt === null || now < retryAt + REPOLL_GRACE_MS || askedFor.current === retryAt) return;
    askedFor.current = retryAt;
    const asked = latest.current;
    till.syncStatus().then(
      (s) => {
        if (latest.current !== asked) return;
        latest.current = Date.now();
        setStatus({ s, at: latest.current });
      },
      () => {},
    );
  }, [retryAt, now]);

  if (!offline) {
    // Online, the core may still have something for staff to know (a feed item it had to skip).
    if (audience === 'customer' || !status?.s.message) return null;
    return (
      <div className="sync-banner sync-banner-notice">
        <span className="sync-icon" aria-hidden="true">
          ⚠
        </span>
        <p role="status" className="sync-message">
          {status.s.message}
        </p>
      </div>
    );
  }
  if (audience === 'customer') {
    return (
      <div className="sync-banner sync-banner-customer">
        <span className="sync-icon" aria-hidden="true">
          ⚠
        </span>
        <p role="alert" className="sync-message">
          Card payments are reconnecting. If paying does not work, please wait a moment or ask a member of staff.
        </p>
      </div>
    );
  }
  const secs = retryAt === null ? null : Math.max(0, Math.ceil((retryAt - now) / 1000));
  return (
    <div className="sync-banner">
      <span className="sync-icon" aria-hidden="true">
        ⚠
      </span>
      <p role="alert" className="sync-message">
        <strong>Offline.</strong> {status.s.message || 'The till cannot reach the payment backend.'}
      </p>
      <span className="sync-retry" aria-live="off">
        {secs === null ? 'Retrying automatically' : secs > 0 ? `Retrying in ${secs} s` : 'Retrying now…'}
      </span>
    </div>
  );
}

import { useEffect, useRef, useState } from 'react';
import type { DayTotal, TillError } from '../api/types';
import { admin } from '../api/till';
import { ErrorNotice } from '../components/ErrorNotice';
import { toTillError } from '../errors';
import { formatMoney } from '../money';
import { dayEnd, dayStart, dayString } from './dates';
import { ALL_STATUSES, StatusBadge } from './status';

export function EndOfDay({ refreshTick }: { refreshTick: number }) {
  const [day, setDay] = useState(() => dayString());
  const [totals, setTotals] = useState<DayTotal[] | null>(null);
  const [error, setError] = useState<TillError | null>(null);
  const [retry, setRetry] = useState(0);
  const seq = useRef(0);

  useEffect(() => {
    const from = dayStart(day);
    const to = dayEnd(day);
    if (from === null || to === null) return;
    const n = ++seq.current;
    admin.endOfDay(from, to).then(
      (t) => {
        if (n !== seq.current) return;
        setTotals(t);
        setError(null);
      },
      (e: unknown) => n === seq.current && setError(toTillError(e)),
    );
  }, [day, refreshTick, retry]);

  const currencies = Array.from(new Set((totals ?? []).map((t) => t.currency))).sort();

  return (
    <section className="panel side-panel" aria-labelledby="eod-title" data-testid="end-of-day">
      <div className="side-head">
        <h2 id="eod-title" className="panel-title">
          End of day
        </h2>
        <label className="eod-day">
          <span className="sr-only">Day</span>
          <input type="date" value={day} onChange={(e) => e.target.value && setDay(e.target.value)} />
        </label>
      </div>
      <ErrorNotice error={error} onRetry={() => setRetry((n) => n + 1)} />
      {!totals ? null : currencies.length === 0 ? (
        <p className="muted">No payments on this day.</p>
      ) : (
        currencies.map((c) => {
          const rows = totals.filter((t) => t.currency === c);
          const ok = rows.filter((t) => t.status === 'succeeded');
          const received = ok.reduce((n, t) => n + t.amount, 0);
          const refunded = rows.reduce((n, t) => n + t.amount_refunded, 0);
          const net = rows.reduce((n, t) => n + t.net, 0);
          const money = (n: number) => formatMoney(n, c);
          return (
            <div key={c} className="eod-currency" data-currency={c}>
              <dl className="eod-sum">
                <div>
                  <dt>Received</dt>
                  <dd>{money(received)}</dd>
                </div>
                <div>
                  <dt>Refunded</dt>
                  <dd>{refunded ? `−${money(refunded)}` : money(0)}</dd>
                </div>
                <div className="eod-net">
                  <dt>Net {c.toUpperCase()}</dt>
                  <dd data-testid={`eod-net-${c}`}>{money(net)}</dd>
                </div>
              </dl>
              <table className="eod-table">
                <caption className="sr-only">Payments by status in {c.toUpperCase()}</caption>
                <thead>
                  <tr>
                    <th scope="col">Status</th>
                    <th scope="col" className="num">
                      Count
                    </th>
                    <th scope="col" className="num">
                      Amount
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {rows
                    .slice()
                    .sort((a, b) => ALL_STATUSES.indexOf(a.status) - ALL_STATUSES.indexOf(b.status))
                    .map((t) => (
                      <tr key={t.status}>
                        <td>
                          <StatusBadge status={t.status} />
                        </td>
                        <td className="num">{t.count}</td>
                        <td className="num">{money(t.amount)}</td>
                      </tr>
                    ))}
                </tbody>
              </table>
            </div>
          );
        })
      )}
    </section>
  );
}

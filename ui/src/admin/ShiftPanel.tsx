import { useCallback, useEffect, useState } from 'react';
import type { ShiftReport, StoredShiftReport, TillError } from '../api/types';
import { admin } from '../api/till';
import { ErrorNotice } from '../components/ErrorNotice';
import { toTillError } from '../errors';
import { formatMoney, parseAmount } from '../money';
import { formatDateTime } from '../time';
import { Dialog } from './Dialog';

/** The report's figures: sales by tender, tax by rate, refunds, and the cash the drawer should hold. */
export function ShiftFigures({ report }: { report: ShiftReport }) {
  const money = (n: number) => formatMoney(n, report.currency);
  return (
    <dl className="eod-sum shift-figures">
      <div>
        <dt>Sales</dt>
        <dd>
          {report.sales_count} · {money(report.gross)}
        </dd>
      </div>
      {report.tenders.map((t) => (
        <div key={t.kind}>
          <dt>{t.kind === 'cash' ? 'Cash' : 'Card'}</dt>
          <dd data-testid={`shift-${t.kind}`}>
            {t.count} · {money(t.amount)}
          </dd>
        </div>
      ))}
      {report.taxes.map((t) => (
        <div key={`${t.name}-${t.basis_points}-${t.inclusive}`}>
          <dt>
            {t.name}
            {t.inclusive ? ' (incl.)' : ''}
          </dt>
          <dd>
            {money(t.tax)} on {money(t.net)}
          </dd>
        </div>
      ))}
      <div>
        <dt>Refunds</dt>
        <dd>
          {report.refunds_count} · {report.refunds ? `−${money(report.refunds)}` : money(0)}
        </dd>
      </div>
      <div>
        <dt>Float</dt>
        <dd>{money(report.opening_float)}</dd>
      </div>
      <div className="eod-net">
        <dt>Expected cash</dt>
        <dd data-testid="shift-expected">{money(report.expected_cash)}</dd>
      </div>
      {report.counted_cash !== null && report.difference !== null ? (
        <>
          <div>
            <dt>Counted</dt>
            <dd>{money(report.counted_cash)}</dd>
          </div>
          <div className={report.difference < 0 ? 'shift-short' : undefined}>
            <dt>Difference</dt>
            <dd data-testid="shift-difference">
              {report.difference < 0 ? `−${money(-report.difference)}` : money(report.difference)}
            </dd>
          </div>
        </>
      ) : null}
    </dl>
  );
}

/** The shift: its X report as it runs, closing it with a Z report, and every till's Z reports with a CSV. */
export function ShiftPanel({ refreshTick }: { refreshTick: number }) {
  const [x, setX] = useState<ShiftReport | null>(null);
  const [error, setError] = useState<TillError | null>(null);
  const [closing, setClosing] = useState(false);
  const [closed, setClosed] = useState<ShiftReport | null>(null);
  const [reports, setReports] = useState<StoredShiftReport[] | null>(null);
  const [reportsError, setReportsError] = useState<TillError | null>(null);
  const [exported, setExported] = useState<string | null>(null);

  const load = useCallback(() => {
    admin.shiftReport().then(
      (r) => {
        setX(r);
        setError(null);
      },
      (e: unknown) => setError(toTillError(e)),
    );
    admin.shiftReports().then(
      (r) => {
        setReports(r);
        setReportsError(null);
      },
      (e: unknown) => setReportsError(toTillError(e)),
    );
  }, []);

  useEffect(load, [load, refreshTick]);

  // The till sends a Z report to the backend just after closing the shift: the list asks again until it is there.
  useEffect(() => {
    if (!closed) return;
    if (reports?.some((r) => r.terminal === closed.terminal && r.number === closed.number)) return;
    const timer = setTimeout(() => {
      admin.shiftReports().then(setReports, () => undefined);
    }, 500);
    return () => clearTimeout(timer);
  }, [closed, reports]);

  const exportCsv = async () => {
    setExported(null);
    try {
      const done = await admin.exportShiftReports();
      setExported(`${done.rows} Z report${done.rows === 1 ? '' : 's'} saved to ${done.path}`);
    } catch (e) {
      setReportsError(toTillError(e));
    }
  };

  return (
    <section className="panel side-panel" aria-labelledby="shift-title" data-testid="shift">
      <div className="side-head">
        <h2 id="shift-title" className="panel-title">
          {x ? `Shift ${x.number} (X report)` : 'Shift'}
        </h2>
        <button type="button" className="btn btn-small" disabled={!x} onClick={() => setClosing(true)}>
          Close shift (Z)
        </button>
      </div>
      {x ? <p className="muted">Open since {formatDateTime(x.opened_at)}</p> : null}
      <ErrorNotice error={error} onRetry={load} />
      {x ? <ShiftFigures report={x} /> : null}
      {closed ? (
        <div className="shift-closed" role="status" data-testid="z-result">
          <h3>Z report {closed.number}</h3>
          <ShiftFigures report={closed} />
        </div>
      ) : null}

      <h3 className="shift-list-title">Z reports</h3>
      <ErrorNotice error={reportsError} onRetry={load} />
      {reports && reports.length === 0 ? <p className="muted">No shift has been closed yet.</p> : null}
      {reports && reports.length > 0 ? (
        <>
          <table className="eod-table" data-testid="z-reports">
            <thead>
              <tr>
                <th scope="col">Till</th>
                <th scope="col">Z</th>
                <th scope="col">Closed</th>
                <th scope="col" className="num">
                  Sales
                </th>
                <th scope="col" className="num">
                  Difference
                </th>
              </tr>
            </thead>
            <tbody>
              {reports.map((s) => {
                const money = (n: number) => formatMoney(n, s.currency);
                return (
                  <tr key={s.report_id}>
                    <td>{s.terminal}</td>
                    <td>{s.number}</td>
                    <td>{s.closed_at ? formatDateTime(s.closed_at) : ''}</td>
                    <td className="num">{money(s.gross)}</td>
                    <td className="num">
                      {s.difference === null ? '' : s.difference < 0 ? `−${money(-s.difference)}` : money(s.difference)}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <button type="button" className="btn btn-small" onClick={() => void exportCsv()}>
            Export Z reports (CSV)
          </button>
        </>
      ) : null}
      {exported ? (
        <p className="export-note" role="status">
          {exported}
        </p>
      ) : null}

      {closing && x ? (
        <CloseShiftDialog
          report={x}
          onClose={() => setClosing(false)}
          onClosed={(z) => {
            setClosing(false);
            setClosed(z);
            load();
          }}
        />
      ) : null}
    </section>
  );
}

function CloseShiftDialog({ report, onClose, onClosed }: { report: ShiftReport; onClose: () => void; onClosed: (z: ShiftReport) => void }) {
  const [counted, setCounted] = useState('');
  const [float, setFloat] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<TillError | null>(null);
  const money = (n: number) => formatMoney(n, report.currency);
  const countedAmount = counted.trim() === '' ? null : parseAmount(counted, report.currency);
  const floatAmount = float.trim() === '' ? 0 : parseAmount(float, report.currency);
  const difference = countedAmount === null ? null : countedAmount - report.expected_cash;

  const submit = async () => {
    if (countedAmount === null || floatAmount === null || busy) return;
    setBusy(true);
    setError(null);
    try {
      onClosed(await admin.closeShift(countedAmount, floatAmount));
    } catch (e) {
      setError(toTillError(e));
      setBusy(false);
    }
  };

  return (
    <Dialog title={`Close shift ${report.number}`} onClose={onClose} busy={busy} testId="close-shift">
      <form
        className="cash-panel"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <p>
          Expected in the drawer: <strong>{money(report.expected_cash)}</strong>
        </p>
        <label className="field">
          <span>Counted cash</span>
          <input inputMode="decimal" value={counted} onChange={(e) => setCounted(e.target.value)} aria-invalid={counted !== '' && countedAmount === null} />
        </label>
        <label className="field">
          <span>Float left for the next shift</span>
          <input inputMode="decimal" value={float} onChange={(e) => setFloat(e.target.value)} placeholder="0" aria-invalid={floatAmount === null} />
        </label>
        {difference !== null ? (
          <p className={difference < 0 ? 'shift-short' : undefined} role="status">
            Difference {difference < 0 ? `−${money(-difference)} short` : difference > 0 ? `${money(difference)} over` : money(0)}
          </p>
        ) : null}
        <ErrorNotice error={error} onDismiss={() => setError(null)} />
        <div className="confirm-actions">
          <button type="button" className="btn btn-large" onClick={onClose} disabled={busy}>
            Keep shift open
          </button>
          <button type="submit" className="btn btn-primary btn-large" disabled={busy || countedAmount === null || floatAmount === null}>
            {busy ? 'Closing…' : 'Close shift'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

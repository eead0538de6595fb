import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { AdminPage, AdminQuery, AppInfo, DisplayStatus, TillError } from '../api/types';
import { admin, markInteractive, onOrder, onSync } from '../api/till';
import { ErrorNotice } from '../components/ErrorNotice';
import { Progress } from '../components/Progress';
import { toTillError } from '../errors';
import { dayEnd, dayStart } from './dates';
import { DetailDrawer } from './DetailDrawer';
import { CatalogEditor } from './CatalogEditor';
import { EndOfDay } from './EndOfDay';
import { ShiftPanel } from './ShiftPanel';
import { NeedsAttention } from './NeedsAttention';
import { ReadersPanel } from './ReadersPanel';
import { PaymentsTable } from './PaymentsTable';
import { ALL_STATUSES, STATUS_META } from './status';
import '../styles/admin.css';

export const PAGE_SIZE = 50;
/** Order events come in bursts: one re-query per burst. */
export const LIVE_DEBOUNCE_MS = 300;
const FILTER_DEBOUNCE_MS = 300;

interface Filters {
  status: DisplayStatus | '';
  terminal: string;
  from: string;
  to: string;
  search: string;
}

const NO_FILTERS: Filters = { status: '', terminal: '', from: '', to: '', search: '' };

/** The filters as the core takes them (no page position). */
export function filtersToQuery(f: Filters): AdminQuery {
  return {
    status: f.status || null,
    terminal: f.terminal.trim() || null,
    from: f.from ? dayStart(f.from) : null,
    to: f.to ? dayEnd(f.to) : null,
    search: f.search.trim() || null,
  };
}

const same = (a: Filters, b: Filters) =>
  a.status === b.status && a.terminal === b.terminal && a.from === b.from && a.to === b.to && a.search === b.search;

interface Props {
  info: AppInfo;
  /** Opened from the cashier: the way back. */
  onBack?: () => void;
}

export function AdminScreen({ info, onBack }: Props) {
  const [view, setView] = useState<'payments' | 'catalogue'>('payments');
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [applied, setApplied] = useState<Filters>(NO_FILTERS);
  /** Keyset pagination: `after` of the page on screen, and the ones before it for "Previous page". */
  const [pager, setPager] = useState<{ after: string | null; stack: (string | null)[] }>({ after: null, stack: [] });
  const [page, setPage] = useState<AdminPage | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<TillError | null>(null);
  const [tick, setTick] = useState(0);
  const [detailId, setDetailId] = useState<string | null>(null);
  const [reconciling, setReconciling] = useState(false);
  const [reconciled, setReconciled] = useState<{ checked: number; changed: number } | null>(null);
  const [reconcileError, setReconcileError] = useState<TillError | null>(null);
  const [exporting, setExporting] = useState(false);
  const [exported, setExported] = useState<string | null>(null);
  const [exportError, setExportError] = useState<TillError | null>(null);
  const seq = useRef(0);
  const rowFocus = useRef<string | null>(null);

  const refreshAll = useCallback(() => setTick((n) => n + 1), []);

  // Text filters settle before they query; a new filter starts again at the first page.
  useEffect(() => {
    if (same(filters, applied)) return;
    const textOnly = filters.status === applied.status && filters.from === applied.from && filters.to === applied.to;
    const t = setTimeout(
      () => {
        setApplied(filters);
        setPager({ after: null, stack: [] });
      },
      textOnly ? FILTER_DEBOUNCE_MS : 0,
    );
    return () => clearTimeout(t);
  }, [filters, applied]);

  const filterQuery = useMemo(() => filtersToQuery(applied), [applied]);
  const query = useMemo<AdminQuery>(() => ({ ...filterQuery, limit: PAGE_SIZE, after: pager.after }), [filterQuery, pager.after]);

  useEffect(() => {
    const n = ++seq.current;
    setLoading(true);
    admin.payments(query).then(
      (p) => {
        if (n !== seq.current) return;
        setPage(p);
        setError(null);
        setLoading(false);
      },
      (e: unknown) => {
        if (n !== seq.current) return;
        setError(toTillError(e));
        setLoading(false);
      },
    );
  }, [query, tick]);

  const ready = page !== null || error !== null;
  useLayoutEffect(() => {
    if (ready) markInteractive();
  }, [ready]);

  // Live: every order event re-queries the page on screen (debounced); so does reconnecting.
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let online: boolean | null = null;
    const soon = () => {
      clearTimeout(timer);
      timer = setTimeout(refreshAll, LIVE_DEBOUNCE_MS);
    };
    const unOrder = onOrder(soon);
    const unSync = onSync((s) => {
      if (s.online && online === false) soon();
      online = s.online;
    });
    return () => {
      clearTimeout(timer);
      unOrder.then((un) => un(), () => {});
      unSync.then((un) => un(), () => {});
    };
  }, [refreshAll]);

  const set = <K extends keyof Filters>(k: K, v: Filters[K]) => setFilters((f) => ({ ...f, [k]: v }));
  const filtered = !same(filters, NO_FILTERS);

  const next = () => {
    if (!page?.next) return;
    const after = page.next;
    setPager((p) => ({ after, stack: [...p.stack, p.after] }));
  };
  const previous = () => setPager((p) => (p.stack.length ? { after: p.stack[p.stack.length - 1], stack: p.stack.slice(0, -1) } : p));

  const reconcile = async () => {
    setReconciling(true);
    setReconcileError(null);
    setReconciled(null);
    try {
      setReconciled(await admin.reconcile());
      refreshAll();
    } catch (e) {
      setReconcileError(toTillError(e));
    } finally {
      setReconciling(false);
    }
  };

  const exportCsv = async () => {
    setExporting(true);
    setExportError(null);
    setExported(null);
    try {
      const r = await admin.exportCsv({ ...filterQuery });
      setExported(`Saved ${r.rows} ${r.rows === 1 ? 'row' : 'rows'} to ${r.path}`);
    } catch (e) {
      setExportError(toTillError(e));
    } finally {
      setExporting(false);
    }
  };

  const openDetail = (orderId: string) => {
    rowFocus.current = orderId;
    setDetailId(orderId);
  };
  const closeDetail = () => {
    setDetailId(null);
    const id = rowFocus.current;
    requestAnimationFrame(() => {
      const row = Array.from(document.querySelectorAll<HTMLElement>('tr[data-order-id]')).find((r) => r.dataset.orderId === id);
      row?.focus();
    });
  };

  const pageNo = pager.stack.length + 1;
  const switchView = (
    <div className="toolbar-group" role="group" aria-label="Admin views">
      <button type="button" className="btn" aria-pressed={view === 'payments'} onClick={() => setView('payments')}>
        Payments
      </button>
      <button type="button" className="btn" aria-pressed={view === 'catalogue'} onClick={() => setView('catalogue')}>
        Catalogue
      </button>
    </div>
  );
  if (view === 'catalogue') {
    return (
      <main className="admin">
        <div className="admin-toolbar">
          <h1>Catalogue</h1>
          <span className="toolbar-spacer" />
          {switchView}
          {onBack ? (
            <button type="button" className="btn btn-primary" onClick={onBack}>
              ← Back to till
            </button>
          ) : null}
        </div>
        <CatalogEditor />
      </main>
    );
  }
  const rows = page?.rows ?? [];

  return (
    <main className="admin">
      <div className="admin-work" inert={detailId !== null}>
        <div className="admin-toolbar">
          <h1>Payments</h1>
          <span className="live-dot" title="Updates as payments change">
            <span aria-hidden="true">●</span> Live
          </span>
          <span className="toolbar-spacer" />
          {switchView}
          <div className="toolbar-group">
            <button type="button" className="btn" onClick={() => void reconcile()} disabled={reconciling} data-testid="reconcile">
              {reconciling ? 'Reconciling…' : 'Reconcile now'}
            </button>
            <span role="status" className="toolbar-status" data-testid="reconcile-result">
              {reconciled ? `Checked ${reconciled.checked} · ${reconciled.changed} changed` : ''}
            </span>
          </div>
          {onBack ? (
            <button type="button" className="btn btn-primary" onClick={onBack}>
              ← Back to till
            </button>
          ) : null}
        </div>
        <ErrorNotice error={reconcileError} onDismiss={() => setReconcileError(null)} />

        <div className="admin-grid">
          <section className="panel admin-table-panel" aria-labelledby="payments-title">
            <h2 id="payments-title" className="sr-only">
              Payments table
            </h2>
            <form className="filters" role="search" aria-label="Filter payments" onSubmit={(e) => e.preventDefault()}>
              <label className="filter">
                <span>Status</span>
                <select value={filters.status} onChange={(e) => set('status', e.target.value as DisplayStatus | '')} data-testid="filter-status">
                  <option value="">All statuses</option>
                  {ALL_STATUSES.map((s) => (
                    <option key={s} value={s}>
                      {STATUS_META[s].label}
                    </option>
                  ))}
                </select>
              </label>
              <label className="filter">
                <span>Terminal</span>
                <input type="text" value={filters.terminal} onChange={(e) => set('terminal', e.target.value)} placeholder="any" size={8} data-testid="filter-terminal" />
              </label>
              <label className="filter">
                <span>From</span>
                <DateInput value={filters.from} max={filters.to || undefined} onChange={(v) => set('from', v)} testId="filter-from" />
              </label>
              <label className="filter">
                <span>To</span>
                <DateInput value={filters.to} min={filters.from || undefined} onChange={(v) => set('to', v)} testId="filter-to" />
              </label>
              <label className="filter filter-search">
                <span>Search</span>
                <input
                  type="search"
                  value={filters.search}
                  onChange={(e) => set('search', e.target.value)}
                  placeholder="Order id or pi_…"
                  data-testid="filter-search"
                />
              </label>
              <div className="filter-buttons">
                <button type="button" className="btn btn-small" onClick={() => setFilters(NO_FILTERS)} disabled={!filtered}>
                  Clear
                </button>
                <button type="button" className="btn btn-small" onClick={() => void exportCsv()} disabled={exporting} data-testid="export-csv">
                  {exporting ? 'Exporting…' : 'Export CSV'}
                </button>
              </div>
            </form>
            {exported ? (
              <p className="export-note" role="status" data-testid="export-result">
                <span aria-hidden="true">✓ </span>
                {exported}
              </p>
            ) : null}
            <ErrorNotice error={exportError} onDismiss={() => setExportError(null)} />
            <ErrorNotice error={error} onRetry={refreshAll} />

            <div className="table-scroll" aria-busy={loading}>
              {page === null && !error ? (
                <Progress label="Loading payments…" />
              ) : rows.length === 0 && page ? (
                <p className="empty">{filtered ? 'No payments match these filters.' : 'No payments yet.'}</p>
              ) : (
                <PaymentsTable rows={rows} selected={detailId} onOpen={openDetail} />
              )}
            </div>

            <nav className="pager" aria-label="Pages">
              <button type="button" className="btn btn-small" onClick={previous} disabled={pager.stack.length === 0} data-testid="prev-page">
                ← Previous page
              </button>
              <span className="pager-info" aria-live="polite">
                Page {pageNo}
                {rows.length ? ` · ${rows.length} payment${rows.length === 1 ? '' : 's'}` : ''}
                {loading && page ? ' · updating…' : ''}
              </span>
              <button type="button" className="btn btn-small" onClick={next} disabled={!page?.next} data-testid="next-page">
                Next page →
              </button>
            </nav>
          </section>

          <div className="admin-side">
            <NeedsAttention refreshTick={tick} onOpen={openDetail} />
            <EndOfDay refreshTick={tick} />
            <ShiftPanel refreshTick={tick} />
            <ReadersPanel refreshTick={tick} />
          </div>
        </div>
      </div>

      {detailId ? (
        <DetailDrawer orderId={detailId} refreshTick={tick} onClose={closeDetail} onChanged={refreshAll} printer={info.receipt_printer} />
      ) : null}
    </main>
  );
}

/** A date filter. WebKit draws an empty date input as today's date in grey, so an unset filter looked set: while
 * empty and unfocused its fields are hidden behind "any", as the other filters say. */
function DateInput(props: { value: string; min?: string; max?: string; onChange: (value: string) => void; testId: string }) {
  const empty = props.value === '';
  return (
    <span className="date-input" data-empty={empty || undefined}>
      <input
        type="date"
        value={props.value}
        min={props.min}
        max={props.max}
        onChange={(e) => props.onChange(e.target.value)}
        data-testid={props.testId}
      />
      {empty && (
        <span className="date-placeholder" aria-hidden="true">
          any
        </span>
      )}
    </span>
  );
}

import { useCallback, useEffect, useState } from 'react';
import type { ImportOutcome, MerchantCatalog, Product, PutProduct, Rounding, TaxScope, TillError } from '../api/types';
import { admin } from '../api/till';
import { ErrorNotice } from '../components/ErrorNotice';
import { Progress } from '../components/Progress';
import { toTillError } from '../errors';
import { amountInputValue, formatMoney, parseAmount } from '../money';
import { formatPercent, parsePercent } from './percent';

/**
 * The merchant's catalogue, edited here and owned by the backend: the store's details, the tax rates, the
 * products, and a CSV import that is taken whole or refused with every bad row. Every save reaches each till
 * through the feed.
 */
export function CatalogEditor() {
  const [catalog, setCatalog] = useState<MerchantCatalog | null>(null);
  const [error, setError] = useState<TillError | null>(null);

  const load = useCallback(() => {
    admin.catalog().then(
      (c) => {
        setCatalog(c);
        setError(null);
      },
      (e: unknown) => setError(toTillError(e)),
    );
  }, []);
  useEffect(load, [load]);

  if (!catalog) {
    return error ? <ErrorNotice error={error} onRetry={load} /> : <Progress label="Loading the catalogue…" />;
  }
  return (
    <div className="catalog-editor" data-testid="catalog-editor">
      <StoreForm catalog={catalog} onSaved={load} />
      <TaxRates catalog={catalog} onSaved={load} />
      <ImportCsv onImported={load} />
      <Products catalog={catalog} onSaved={load} />
    </div>
  );
}

function useSave(onSaved: () => void) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<TillError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const run = async (what: string, action: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      await action();
      setDone(what);
      onSaved();
      return true;
    } catch (e) {
      setError(toTillError(e));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, done, run, clearError: () => setError(null) };
}

function StoreForm({ catalog, onSaved }: { catalog: MerchantCatalog; onSaved: () => void }) {
  const s = catalog.store;
  const [name, setName] = useState(s?.name ?? '');
  const [address, setAddress] = useState(s?.address ?? '');
  const [currency, setCurrency] = useState(s?.currency ?? 'usd');
  const [rounding, setRounding] = useState<Rounding>(s?.rounding ?? 'half_up');
  const [scope, setScope] = useState<TaxScope>(s?.tax_scope ?? 'per_order');
  const [tips, setTips] = useState((s?.tip_percents ?? []).map((bp) => formatPercent(bp).replace('%', '')).join(', '));
  const tipPercents = tips.trim() === '' ? [] : tips.split(/[\s,;]+/).filter(Boolean).map(parsePercent);
  const tipsValid = tipPercents.every((bp) => bp !== null && bp > 0);
  const save = useSave(onSaved);
  return (
    <section className="panel" aria-labelledby="store-title">
      <h2 id="store-title" className="panel-title">
        Store
      </h2>
      <form
        className="editor-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (!tipsValid) return;
          void save.run('Store saved', () =>
            admin.putStore({
              name,
              address,
              currency: currency.trim().toLowerCase(),
              rounding,
              tax_scope: scope,
              tip_percents: tipPercents as number[],
            }),
          );
        }}
      >
        <label className="field">
          <span>Name</span>
          <input value={name} onChange={(e) => setName(e.target.value)} required />
        </label>
        <label className="field">
          <span>Address (as printed on receipts)</span>
          <textarea value={address} rows={2} onChange={(e) => setAddress(e.target.value)} />
        </label>
        <label className="field">
          <span>Currency</span>
          <input value={currency} size={4} maxLength={3} onChange={(e) => setCurrency(e.target.value)} />
        </label>
        <label className="field">
          <span>Tax rounding</span>
          <select value={rounding} onChange={(e) => setRounding(e.target.value as Rounding)}>
            <option value="half_up">Half up (0.5 rounds up)</option>
            <option value="half_even">Half even (banker’s)</option>
          </select>
        </label>
        <label className="field">
          <span>Tax is rounded</span>
          <select value={scope} onChange={(e) => setScope(e.target.value as TaxScope)}>
            <option value="per_order">Once per order, per rate</option>
            <option value="per_line">On each line</option>
          </select>
        </label>
        <label className="field">
          <span>Tip choices (%)</span>
          <input value={tips} size={12} placeholder="none" onChange={(e) => setTips(e.target.value)} aria-invalid={!tipsValid} />
        </label>
        <button type="submit" className="btn btn-primary" disabled={save.busy || !tipsValid}>
          Save store
        </button>
        <Saved done={save.done} />
      </form>
      <ErrorNotice error={save.error} onDismiss={save.clearError} />
    </section>
  );
}

function TaxRates({ catalog, onSaved }: { catalog: MerchantCatalog; onSaved: () => void }) {
  const [id, setId] = useState('');
  const [name, setName] = useState('');
  const [percent, setPercent] = useState('');
  const [inclusive, setInclusive] = useState(true);
  const save = useSave(onSaved);
  const bp = parsePercent(percent);
  const edit = (r: MerchantCatalog['tax_rates'][number]) => {
    setId(r.id);
    setName(r.name);
    setPercent(formatPercent(r.basis_points).replace('%', ''));
    setInclusive(r.inclusive);
  };
  return (
    <section className="panel" aria-labelledby="rates-title">
      <h2 id="rates-title" className="panel-title">
        Tax rates
      </h2>
      {catalog.tax_rates.length ? (
        <table className="eod-table" aria-label="Tax rates">
          <thead>
            <tr>
              <th scope="col">Id</th>
              <th scope="col">Name</th>
              <th scope="col" className="num">
                Rate
              </th>
              <th scope="col">Prices</th>
              <th scope="col" />
            </tr>
          </thead>
          <tbody>
            {catalog.tax_rates.map((r) => (
              <tr key={r.id}>
                <td className="mono">{r.id}</td>
                <td>{r.name}</td>
                <td className="num">{formatPercent(r.basis_points)}</td>
                <td>{r.inclusive ? 'include it' : 'add it'}</td>
                <td>
                  <button type="button" className="btn btn-small" onClick={() => edit(r)} aria-label={`Edit ${r.name}`}>
                    Edit
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted">No tax rates yet.</p>
      )}
      <form
        className="editor-form"
        aria-label="Tax rate"
        onSubmit={(e) => {
          e.preventDefault();
          if (bp === null) return;
          void save.run(`Tax rate ${id} saved`, () => admin.putTaxRate(id.trim(), { name, basis_points: bp, inclusive }));
        }}
      >
        <label className="field">
          <span>Rate id</span>
          <input value={id} size={10} onChange={(e) => setId(e.target.value)} required />
        </label>
        <label className="field">
          <span>Rate name</span>
          <input value={name} onChange={(e) => setName(e.target.value)} required />
        </label>
        <label className="field">
          <span>Rate %</span>
          <input value={percent} size={6} inputMode="decimal" onChange={(e) => setPercent(e.target.value)} aria-invalid={percent !== '' && bp === null} />
        </label>
        <label className="field field-inline">
          <input type="checkbox" checked={inclusive} onChange={(e) => setInclusive(e.target.checked)} />
          <span>Prices include it</span>
        </label>
        <button type="submit" className="btn btn-primary" disabled={save.busy || bp === null}>
          Save tax rate
        </button>
        <Saved done={save.done} />
      </form>
      <ErrorNotice error={save.error} onDismiss={save.clearError} />
    </section>
  );
}

function ImportCsv({ onImported }: { onImported: () => void }) {
  const [outcome, setOutcome] = useState<ImportOutcome | null>(null);
  const [file, setFile] = useState<string | null>(null);
  const save = useSave(onImported);
  const pick = async (f: File | undefined) => {
    if (!f) return;
    setFile(f.name);
    setOutcome(null);
    const text = await f.text();
    await save.run('', async () => {
      const o = await admin.importCatalog(text);
      setOutcome(o);
    });
  };
  return (
    <section className="panel" aria-labelledby="import-title">
      <h2 id="import-title" className="panel-title">
        Import products (CSV)
      </h2>
      <p className="muted">
        Columns <code>sku,name,price,barcode,category,tax</code>: price in minor units (350 for 3.50), barcodes separated by <code>|</code>, tax
        a rate id. Every row is checked; nothing is stored unless all are good.
      </p>
      <label className="field">
        <span>CSV file</span>
        <input type="file" accept=".csv,text/csv" disabled={save.busy} onChange={(e) => void pick(e.target.files?.[0])} />
      </label>
      {save.busy ? <Progress label={`Importing ${file ?? ''}…`} /> : null}
      <ErrorNotice error={save.error} onDismiss={save.clearError} />
      {outcome?.report ? (
        <p className="export-note" role="status" data-testid="import-result">
          Imported {file}: {outcome.report.created} new, {outcome.report.updated} updated.
        </p>
      ) : null}
      {outcome && outcome.problems.length ? (
        <div role="alert" data-testid="import-problems">
          <p className="field-error">
            {outcome.problems.length} row{outcome.problems.length === 1 ? '' : 's'} of {file} {outcome.problems.length === 1 ? 'is' : 'are'} wrong;
            nothing was imported.
          </p>
          <table className="eod-table">
            <thead>
              <tr>
                <th scope="col">Line</th>
                <th scope="col">Column</th>
                <th scope="col">Problem</th>
              </tr>
            </thead>
            <tbody>
              {outcome.problems.map((p) => (
                <tr key={`${p.line}-${p.field}`}>
                  <td className="num">{p.line}</td>
                  <td className="mono">{p.field}</td>
                  <td>{p.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

const EMPTY: PutProduct = { name: '', price: 0, barcodes: [], category: null, tax_rate: null, active: true };

function Products({ catalog, onSaved }: { catalog: MerchantCatalog; onSaved: () => void }) {
  const currency = catalog.store?.currency ?? 'usd';
  const [sku, setSku] = useState('');
  const [form, setForm] = useState<PutProduct>(EMPTY);
  const [price, setPrice] = useState('');
  const [barcodes, setBarcodes] = useState('');
  const save = useSave(onSaved);
  const amount = parseAmount(price, currency);
  const edit = (p: Product) => {
    setSku(p.sku);
    setForm({ name: p.name, price: p.price, barcodes: p.barcodes, category: p.category, tax_rate: p.tax_rate, active: p.active });
    setPrice(amountInputValue(p.price, currency));
    setBarcodes(p.barcodes.join(', '));
  };
  const rateName = (id: string | null) => catalog.tax_rates.find((r) => r.id === id)?.name ?? '';
  return (
    <section className="panel" aria-labelledby="products-title">
      <h2 id="products-title" className="panel-title">
        Products ({catalog.products.length})
      </h2>
      <form
        className="editor-form"
        aria-label="Product"
        onSubmit={(e) => {
          e.preventDefault();
          if (amount === null) return;
          const body: PutProduct = {
            ...form,
            price: amount,
            barcodes: barcodes.split(/[\s,|]+/).filter(Boolean),
            category: form.category?.trim() || null,
          };
          void save.run(`${form.name} saved`, () => admin.putProduct(sku.trim(), body));
        }}
      >
        <label className="field">
          <span>SKU</span>
          <input value={sku} size={10} onChange={(e) => setSku(e.target.value)} required />
        </label>
        <label className="field">
          <span>Product name</span>
          <input value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} required />
        </label>
        <label className="field">
          <span>Price</span>
          <input value={price} size={7} inputMode="decimal" onChange={(e) => setPrice(e.target.value)} aria-invalid={price !== '' && amount === null} />
        </label>
        <label className="field">
          <span>Barcodes</span>
          <input value={barcodes} onChange={(e) => setBarcodes(e.target.value)} placeholder="EAN-13, UPC-A…" />
        </label>
        <label className="field">
          <span>Category</span>
          <input value={form.category ?? ''} size={10} onChange={(e) => setForm({ ...form, category: e.target.value })} />
        </label>
        <label className="field">
          <span>Tax</span>
          <select value={form.tax_rate ?? ''} onChange={(e) => setForm({ ...form, tax_rate: e.target.value || null })}>
            <option value="">Untaxed</option>
            {catalog.tax_rates.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field field-inline">
          <input type="checkbox" checked={form.active} onChange={(e) => setForm({ ...form, active: e.target.checked })} />
          <span>On sale</span>
        </label>
        <button type="submit" className="btn btn-primary" disabled={save.busy || amount === null}>
          Save product
        </button>
        <Saved done={save.done} />
      </form>
      <ErrorNotice error={save.error} onDismiss={save.clearError} />
      <div className="table-scroll">
        <table className="eod-table" aria-label="Products">
          <thead>
            <tr>
              <th scope="col">SKU</th>
              <th scope="col">Name</th>
              <th scope="col" className="num">
                Price
              </th>
              <th scope="col">Category</th>
              <th scope="col">Tax</th>
              <th scope="col">Barcodes</th>
              <th scope="col" />
            </tr>
          </thead>
          <tbody>
            {catalog.products.slice(0, 500).map((p) => (
              <tr key={p.sku} className={p.active ? undefined : 'archived'}>
                <td className="mono">{p.sku}</td>
                <td>
                  {p.name}
                  {p.active ? '' : ' (archived)'}
                </td>
                <td className="num">{formatMoney(p.price, currency)}</td>
                <td>{p.category ?? ''}</td>
                <td>{rateName(p.tax_rate)}</td>
                <td className="mono">{p.barcodes.join(' ')}</td>
                <td>
                  <button type="button" className="btn btn-small" onClick={() => edit(p)} aria-label={`Edit ${p.name}`}>
                    Edit
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {catalog.products.length > 500 ? <p className="muted">The first 500 of {catalog.products.length} products; import a CSV to change many.</p> : null}
      </div>
    </section>
  );
}

function Saved({ done }: { done: string | null }) {
  return done ? (
    <span className="export-note" role="status">
      ✓ {done}
    </span>
  ) : null;
}

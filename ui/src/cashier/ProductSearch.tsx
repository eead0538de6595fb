import { useEffect, useState } from 'react';
import type { CatalogItem, TillError } from '../api/types';
import { till } from '../api/till';
import { toTillError } from '../errors';
import { formatMoney } from '../money';

/** How long typing rests before the core is asked: one search per pause, not per key. */
export const SEARCH_DEBOUNCE_MS = 120;
const SHOWN = 8;

interface Props {
  currency: string;
  disabled: boolean;
  onAdd: (sku: string) => void;
}

/** Search by name or SKU, for the products that are not on the grid or have no barcode. */
export function ProductSearch({ currency, disabled, onAdd }: Props) {
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<CatalogItem[]>([]);
  const [error, setError] = useState<TillError | null>(null);

  useEffect(() => {
    const q = query.trim();
    if (!q) {
      setResults([]);
      return;
    }
    let live = true;
    const timer = setTimeout(() => {
      till.search(q).then(
        (items) => {
          if (live) {
            setResults(items);
            setError(null);
          }
        },
        (e: unknown) => live && setError(toTillError(e)),
      );
    }, SEARCH_DEBOUNCE_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [query]);

  const add = (sku: string) => {
    onAdd(sku);
    setQuery('');
  };

  return (
    <div className="product-search">
      <input
        type="search"
        aria-label="Search products"
        placeholder="Search by name or SKU"
        value={query}
        disabled={disabled}
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && results.length === 1) {
            e.preventDefault();
            add(results[0].sku);
          } else if (e.key === 'Escape') {
            setQuery('');
          }
        }}
      />
      {error ? <p className="field-error">{error.message}</p> : null}
      {query.trim() && results.length > 0 ? (
        <ul className="search-results" aria-label="Search results">
          {results.slice(0, SHOWN).map((item) => (
            <li key={item.sku}>
              <button type="button" className="search-result" disabled={disabled} onClick={() => add(item.sku)}>
                <span>{item.name}</span>
                <span className="muted mono">{item.sku}</span>
                <span>{formatMoney(item.unit_amount, currency)}</span>
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

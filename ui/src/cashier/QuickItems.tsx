import type { Catalog, TillError } from '../api/types';
import { ErrorNotice } from '../components/ErrorNotice';
import { Progress } from '../components/Progress';
import { formatMoney } from '../money';
import { keepFocus } from './focus';

interface Props {
  catalog: Catalog | null;
  loadError: TillError | null;
  disabled: boolean;
  onAdd: (sku: string) => void;
  onRetry: () => void;
}

export function QuickItems({ catalog, loadError, disabled, onAdd, onRetry }: Props) {
  return (
    <section className="panel quick-items" aria-labelledby="items-title">
      <h2 id="items-title" className="panel-title">
        Items
      </h2>
      {loadError ? (
        <ErrorNotice error={loadError} onRetry={onRetry} />
      ) : !catalog ? (
        <Progress label="Loading items…" />
      ) : catalog.items.length === 0 ? (
        <p className="empty">No quick items in the catalog. Use the keypad for custom amounts.</p>
      ) : (
        <ul className="item-grid">
          {catalog.items.map((item) => (
            <li key={item.sku}>
              <button type="button" className="item-button" onMouseDown={keepFocus} disabled={disabled} onClick={() => onAdd(item.sku)}>
                <span className="item-name">{item.name}</span>
                <span className="item-price">{formatMoney(item.unit_amount, catalog.currency)}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

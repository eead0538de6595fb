import type { Catalog, TillError } from '../api/types';
import { ErrorNotice } from '../components/ErrorNotice';
import { Progress } from '../components/Progress';
import { formatMoney } from '../money';
import { byCategory } from '../catalogGroups';
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
        <div className="item-groups">
          {byCategory(catalog.items).map((group) => (
            <div key={group.category ?? ''} className="item-group">
              {group.category ? <h3 className="item-category">{group.category}</h3> : null}
              <ul className="item-grid" aria-label={group.category ?? 'Items'}>
                {group.items.map((item) => (
                  <li key={item.sku}>
                    <button type="button" className="item-button" onMouseDown={keepFocus} disabled={disabled} onClick={() => onAdd(item.sku)}>
                      <span className="item-name">{item.name}</span>
                      <span className="item-price">{formatMoney(item.unit_amount, catalog.currency)}</span>
                    </button>
                  </li>
                ))}
              </ul>
            </div>
          ))}
          {catalog.more > 0 ? (
            <p className="muted" data-testid="more-items">
              And {catalog.more.toLocaleString()} more products: scan them or search.
            </p>
          ) : null}
        </div>
      )}
    </section>
  );
}

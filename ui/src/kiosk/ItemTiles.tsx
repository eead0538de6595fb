import type { Catalog, Order } from '../api/types';
import { byCategory } from '../catalogGroups';
import { formatMoney } from '../money';

interface Props {
  catalog: Catalog;
  order: Order;
  disabled: boolean;
  onAdd: (sku: string) => void;
  onRemoveOne: (sku: string) => void;
}

export function quantityOf(order: Order, sku: string): number {
  return order.lines.filter((l) => l.sku === sku).reduce((n, l) => n + l.quantity, 0);
}

/** Large touch tiles: name, price, and − quantity +. Tapping the tile itself adds one too. */
export function ItemTiles({ catalog, order, disabled, onAdd, onRemoveOne }: Props) {
  const groups = byCategory(catalog.items);
  return (
    <div className="kgroups">
      {groups.map((group) => (
        <section key={group.category ?? ''} className="kgroup" aria-label={group.category ?? 'Items'}>
          {group.category && groups.length > 1 ? <h2 className="kcategory">{group.category}</h2> : null}
          <Tiles items={group.items} {...{ catalog, order, disabled, onAdd, onRemoveOne }} />
        </section>
      ))}
    </div>
  );
}

function Tiles({ items, catalog, order, disabled, onAdd, onRemoveOne }: Props & { items: Catalog['items'] }) {
  return (
    <ul className="ktiles" aria-label="Items">
      {items.map((item) => {
        const qty = quantityOf(order, item.sku);
        const price = formatMoney(item.unit_amount, catalog.currency);
        return (
          <li
            key={item.sku}
            className={`ktile${qty > 0 ? ' is-picked' : ''}`}
            data-sku={item.sku}
            onClick={(e) => {
              if (disabled || (e.target instanceof Element && e.target.closest('button'))) return;
              onAdd(item.sku);
            }}
          >
            {item.image_url ? <img className="ktile-img" src={item.image_url} alt="" loading="lazy" draggable={false} /> : null}
            <div className="ktile-info">
              <span className="ktile-name">{item.name}</span>
              <span className="ktile-price">{price}</span>
            </div>
            <div className="ktile-qty" role="group" aria-label={`${item.name}, ${price}`}>
              <button
                type="button"
                className="kbtn kbtn-round"
                aria-label={`Remove one ${item.name}`}
                disabled={disabled || qty === 0}
                onClick={() => onRemoveOne(item.sku)}
              >
                −
              </button>
              <output className="ktile-count" aria-live="polite" aria-label={`${item.name} in your order`}>
                {qty}
              </output>
              <button
                type="button"
                className="kbtn kbtn-round kbtn-add"
                aria-label={`Add one ${item.name}`}
                disabled={disabled}
                onClick={() => onAdd(item.sku)}
              >
                +
              </button>
            </div>
          </li>
        );
      })}
    </ul>
  );
}

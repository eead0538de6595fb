import type { Receipt } from '../api/types';
import { formatMoney } from '../money';
import { formatDateTime } from '../time';

export const MERCHANT_NAME = 'Kassa demo store';

export function cardLabel(brand: string | null, last4: string | null): string | null {
  if (!brand && !last4) return null;
  const names: Record<string, string> = {
    amex: 'American Express', diners: 'Diners Club', discover: 'Discover', eftpos_au: 'eftpos', jcb: 'JCB',
    mastercard: 'Mastercard', unionpay: 'UnionPay', visa: 'Visa', cartes_bancaires: 'Cartes Bancaires', interac: 'Interac',
  };
  const b = brand ? names[brand.toLowerCase()] ?? brand.charAt(0).toUpperCase() + brand.slice(1) : 'Card';
  return last4 ? `${b} •••• ${last4}` : b;
}

const SHORT_BRANDS: Record<string, string> = { amex: 'Amex', diners: 'Diners', cartes_bancaires: 'CB', unionpay: 'UnionPay' };

/** The admin table's short form: "Visa ••4242". */
/** How a card reader read the card, in words (Stripe's read_method); null for a typed card. */
export function readMethodLabel(readMethod: string | null | undefined): string | null {
  switch (readMethod) {
    case null:
    case undefined:
    case '':
      return null;
    case 'contactless_emv':
    case 'contactless_magstripe_mode':
      return 'Contactless (card reader)';
    case 'contact_emv':
      return 'Chip inserted (card reader)';
    case 'magnetic_stripe_track2':
    case 'magnetic_stripe_fallback':
      return 'Swiped (card reader)';
    default:
      return `Card reader (${readMethod.replace(/_/g, ' ')})`;
  }
}

/** The receipt's word for how a reader read the card; null for a typed card. */
export function readMethodShort(readMethod: string | null | undefined): string | null {
  if (!readMethod) return null;
  if (readMethod.startsWith('contactless')) return 'Contactless';
  if (readMethod === 'contact_emv') return 'Chip';
  if (readMethod.startsWith('magnetic_stripe')) return 'Swiped';
  return 'Card present';
}

export function cardShort(brand: string | null, last4: string | null): string | null {
  if (!brand && !last4) return null;
  const name = (brand && SHORT_BRANDS[brand.toLowerCase()]) ?? cardLabel(brand, null) ?? 'Card';
  return last4 ? `${name} ••${last4}` : name;
}

export function ReceiptPaper({ receipt, className }: { receipt: Receipt; className?: string }) {
  const card = cardLabel(receipt.card_brand, receipt.card_last4);
  const money = (n: number) => formatMoney(n, receipt.currency);
  return (
    <article className={`receipt-paper${className ? ` ${className}` : ''}`} aria-label="Receipt">
      <header className="receipt-header">
        <h2 className="receipt-merchant">{receipt.store_name || MERCHANT_NAME}</h2>
        {receipt.store_address.split('\n').filter(Boolean).map((l) => (
          <p key={l}>{l}</p>
        ))}
        <p>{formatDateTime(receipt.paid_at)}</p>
        <p>Terminal {receipt.terminal}</p>
      </header>
      <table className="receipt-lines">
        <thead>
          <tr>
            <th scope="col">Item</th>
            <th scope="col" className="num">
              Qty
            </th>
            <th scope="col" className="num">
              Amount
            </th>
          </tr>
        </thead>
        <tbody>
          {receipt.lines.map((l) => (
            <tr key={l.id}>
              <td>
                {l.name}
                {l.quantity > 1 ? <span className="receipt-unit"> @ {money(l.unit_amount)}</span> : null}
              </td>
              <td className="num">{l.quantity}</td>
              <td className="num">{money(l.amount)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          {receipt.taxes.map((t) => (
            <tr key={t.id} className="receipt-tax">
              <th scope="row" colSpan={2}>
                {t.name}
                {t.inclusive ? ' included' : ''} on {money(t.net)}
              </th>
              <td className="num">{money(t.tax)}</td>
            </tr>
          ))}
          <tr>
            <th scope="row" colSpan={2}>
              Total
            </th>
            <td className="num">
              <strong>{money(receipt.total)}</strong>
            </td>
          </tr>
          {receipt.tip > 0 ? (
            <>
              <tr className="receipt-tax">
                <th scope="row" colSpan={2}>
                  Tip
                </th>
                <td className="num" data-testid="receipt-tip">
                  {money(receipt.tip)}
                </td>
              </tr>
              <tr>
                <th scope="row" colSpan={2}>
                  Paid
                </th>
                <td className="num">{money(receipt.total + receipt.tip)}</td>
              </tr>
            </>
          ) : null}
        </tfoot>
      </table>
      <dl className="receipt-meta">
        {receipt.cash ? (
          <>
            <div>
              <dt>Cash</dt>
              <dd>{money(receipt.cash.given)}</dd>
            </div>
            <div>
              <dt>Change</dt>
              <dd data-testid="receipt-change">{money(receipt.cash.change)}</dd>
            </div>
          </>
        ) : null}
        {receipt.payment_intent_id && receipt.card_amount > 0 ? (
          <>
            <div>
              <dt>{receipt.cash ? 'Card' : 'Paid by'}</dt>
              <dd>
                {card ?? 'Card'}
                {readMethodShort(receipt.card_read_method) ? ` · ${readMethodShort(receipt.card_read_method)}` : ''}
                {receipt.cash ? ` ${money(receipt.card_amount)}` : ''}
              </dd>
            </div>
            <div>
              <dt>Payment</dt>
              <dd className="mono">{receipt.payment_intent_id}</dd>
            </div>
          </>
        ) : null}
        <div>
          <dt>Order</dt>
          <dd className="mono">{receipt.order_id}</dd>
        </div>
      </dl>
      <p className="receipt-thanks">Thank you!</p>
    </article>
  );
}

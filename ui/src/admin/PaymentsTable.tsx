import type { AdminRow } from '../api/types';
import { cardShort } from '../components/ReceiptPaper';
import { formatMoney } from '../money';
import { formatShortDateTime } from '../time';
import { StatusBadge } from './status';

interface Props {
  rows: AdminRow[];
  selected: string | null;
  onOpen: (orderId: string) => void;
}

export function PaymentsTable({ rows, selected, onOpen }: Props) {
  return (
    <table className="payments-table" data-testid="payments-table" aria-label="Payments">
      <thead>
        <tr>
          <th scope="col">Order</th>
          <th scope="col">Terminal</th>
          <th scope="col" className="num">
            Amount
          </th>
          <th scope="col">Payment status</th>
          <th scope="col">Fulfilment</th>
          <th scope="col">Card</th>
          <th scope="col">Time</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => {
          const money = (n: number) => formatMoney(n, r.currency);
          const refundedAll = r.amount_refunded > 0 && r.amount_refunded >= r.amount;
          return (
            <tr
              key={r.order_id}
              data-order-id={r.order_id}
              data-row-status={r.status}
              className={`${selected === r.order_id ? 'is-selected ' : ''}status-row-${r.status}`}
              tabIndex={0}
              onClick={() => onOpen(r.order_id)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' || e.key === ' ') {
                  e.preventDefault();
                  onOpen(r.order_id);
                }
              }}
            >
              <td className="mono">{r.order_id}</td>
              <td>{r.terminal}</td>
              <td className="num">
                <span className={refundedAll ? 'amount-refunded' : undefined}>{money(r.amount)}</span>
                {r.amount_refunded > 0 ? (
                  <span className="refund-note">{refundedAll ? 'Refunded' : `−${money(r.amount_refunded)} refunded`}</span>
                ) : null}
              </td>
              <td>
                <StatusBadge status={r.status} />
              </td>
              <td>
                {r.fulfilment === 'fulfilled' ? (
                  <span className="fulfil fulfil-yes">
                    <span aria-hidden="true">✓ </span>Fulfilled
                  </span>
                ) : r.status === 'succeeded' ? (
                  <span className="fulfil fulfil-problem">
                    <span aria-hidden="true">! </span>Not fulfilled
                  </span>
                ) : (
                  <span className="fulfil fulfil-no">Not fulfilled</span>
                )}
              </td>
              <td className="nowrap">{cardShort(r.card_brand, r.card_last4) ?? <span className="muted">—</span>}</td>
              <td className="nowrap">{formatShortDateTime(r.created)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

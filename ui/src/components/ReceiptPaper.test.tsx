import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Receipt } from '../api/types';
import { ReceiptPaper } from './ReceiptPaper';

const receipt = (patch: Partial<Receipt> = {}): Receipt => ({
  order_id: 'ord_1', lines: [{ id: 1, sku: 'coffee', name: 'Coffee', unit_amount: 250, quantity: 2, amount: 500 }],
  total: 541, tax: 41, taxes: [{ id: 'sales', name: 'Sales tax 8.25%', basis_points: 825, inclusive: false, net: 500, tax: 41 }],
  currency: 'usd', store_name: 'Corner Deli', store_address: '5 Main St\nSpringfield', card_amount: 541, tip: 0, cash: null, card_brand: 'visa',
  card_last4: '4242', card_read_method: null, payment_intent_id: 'pi_1', paid_at: 1_700_000_000, terminal: 'till-1', ...patch,
});

describe('ReceiptPaper', () => {
  it("heads with the store's name and address and breaks the tax down by rate", () => {
    render(<ReceiptPaper receipt={receipt()} />);
    const paper = screen.getByRole('article', { name: 'Receipt' });
    expect(within(paper).getByRole('heading', { name: 'Corner Deli' })).toBeInTheDocument();
    expect(paper).toHaveTextContent('5 Main St');
    expect(paper).toHaveTextContent('Springfield');
    expect(within(paper).getByRole('rowheader', { name: /Sales tax 8.25% on \$5.00/ }).closest('tr')).toHaveTextContent('$0.41');
    expect(paper).toHaveTextContent('$5.41');
  });

  it('says a tax is included in the prices, and shows no tax rows when nothing is taxed', () => {
    const { rerender } = render(
      <ReceiptPaper receipt={receipt({ total: 500, tax: 33, taxes: [{ id: 'vat', name: 'VAT 7%', basis_points: 700, inclusive: true, net: 467, tax: 33 }] })} />,
    );
    expect(screen.getByRole('rowheader', { name: /VAT 7% included on/ })).toBeInTheDocument();
    rerender(<ReceiptPaper receipt={receipt({ total: 500, tax: 0, taxes: [], store_name: '' })} />);
    expect(screen.queryByRole('rowheader', { name: /tax|VAT/i })).toBeNull();
    expect(screen.getByRole('heading', { name: 'Kassa demo store' })).toBeInTheDocument();
  });

  it('shows a tip apart from the sale, and what was paid with it', () => {
    render(<ReceiptPaper receipt={receipt({ tip: 81, card_amount: 622 })} />);
    expect(screen.getByTestId('receipt-tip')).toHaveTextContent('$0.81');
    expect(screen.getByRole('rowheader', { name: 'Paid' }).closest('tr')).toHaveTextContent('$6.22');
  });
});

describe('ReceiptPaper, card present', () => {
  it('says how a reader read the card, and nothing more for a typed one', () => {
    const { unmount } = render(<ReceiptPaper receipt={receipt({ card_read_method: 'contact_emv' })} />);
    expect(screen.getByRole('article', { name: 'Receipt' })).toHaveTextContent('Visa •••• 4242 · Chip');
    unmount();
    render(<ReceiptPaper receipt={receipt()} />);
    const typed = screen.getByRole('article', { name: 'Receipt' });
    expect(typed).toHaveTextContent('Visa •••• 4242');
    expect(typed).not.toHaveTextContent('·');
  });
});

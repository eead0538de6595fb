// The dev fake follows the core's rules (crates/till): its catalog, its error kinds, and when a sale can change.
import { describe, expect, it } from 'vitest';
import type { Order } from '../api/types';
import { DEMO_CATALOG } from '../api/generated';
import { createFakeTill } from './fakeBackend';

describe('the dev fake, as the core', () => {
  it('sells from the core’s demo catalog', async () => {
    const fake = createFakeTill();
    expect(fake.catalog).toEqual(DEMO_CATALOG);
    const o = (await fake.handle('add_item', { sku: 'espresso' })) as Order;
    expect(o.total).toBe(DEMO_CATALOG.items.find((i) => i.sku === 'espresso')!.unit_amount);
  });

  it('answers the core’s error kinds, naming the field', async () => {
    const fake = createFakeTill();
    await expect(fake.handle('add_item', { sku: 'nope' })).rejects.toMatchObject({ kind: 'invalid', field: 'sku' });
    await expect(fake.handle('add_custom', { amount: 0 })).rejects.toMatchObject({ kind: 'invalid', field: 'amount' });
    const empty = (await fake.handle('new_order')) as Order;
    await expect(fake.handle('charge', { orderId: empty.id })).rejects.toMatchObject({ kind: 'invalid', field: 'order' });
  });

  it('starts a new sale when an item is added while the customer is paying, and refuses to change that one', async () => {
    const fake = createFakeTill();
    const first = (await fake.handle('add_item', { sku: 'tea' })) as Order;
    await fake.handle('charge', { orderId: first.id });
    // Still awaiting a card: the sale can change (the intent's amount follows).
    const same = (await fake.handle('add_item', { sku: 'tea' })) as Order;
    expect(same.id).toBe(first.id);
    fake.update(first.id, { payment_status: 'requires_action' });
    const next = (await fake.handle('add_item', { sku: 'cookie' })) as Order;
    expect(next.id).not.toBe(first.id);
    const lineId = same.lines[0].id;
    await expect(fake.handle('set_quantity', { lineId, quantity: 5 })).rejects.toMatchObject({ kind: 'conflict' });
  });
});

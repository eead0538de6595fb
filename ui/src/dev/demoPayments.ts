// Dev mock only: made-up payments for the admin screen (`?mock&view=admin`), every status, three terminals,
// three days, enough for a few pages. Deterministic, so screenshots compare.
import type { DisplayStatus } from '../api/types';
import { STUCK_AFTER_SECONDS, type FakeTill } from './fakeBackend';

export function seedDemoPayments(fake: FakeTill, count = 130): void {
  let r = 42;
  const rand = () => {
    r = (r * 1103515245 + 12345) % 2147483648;
    return r / 2147483648;
  };
  const now = Math.floor(Date.now() / 1000);
  const startOfToday = Math.floor(new Date(new Date().setHours(0, 0, 0, 0)).getTime() / 1000);
  const sinceMidnight = Math.max(now - startOfToday, 3600);
  const terminals = ['till-1', 'till-2', 'kiosk-1'];
  const brands: [string, string][] = [['visa', '4242'], ['mastercard', '4444'], ['amex', '0005'], ['visa', '3184'], ['visa', '1629']];
  const pick = (): DisplayStatus => {
    const x = rand();
    if (x < 0.62) return 'succeeded';
    if (x < 0.72) return 'failed';
    if (x < 0.8) return 'canceled';
    if (x < 0.85) return 'requires_payment_method';
    if (x < 0.9) return 'requires_capture';
    if (x < 0.95) return 'processing';
    return 'requires_action';
  };
  for (let i = 0; i < count; i++) {
    // Two thirds today, the rest over the two days before.
    const created = i < count * 0.66 ? now - Math.floor(rand() * sinceMidnight) : startOfToday - Math.floor(rand() * 2 * 86400);
    const status = pick();
    const [brand, last4] = brands[Math.floor(rand() * brands.length)];
    const amount = (Math.floor(rand() * 60) + 2) * 50 + (rand() < 0.5 ? 25 : 0);
    const refunded = status === 'succeeded' && rand() < 0.12 ? (rand() < 0.5 ? amount : Math.floor(amount / 2)) : 0;
    // Recent pending ones, so only the planted ones below look stuck.
    const updated = status === 'processing' || status === 'requires_action' ? now - Math.floor(rand() * 120) : created + 15 + Math.floor(rand() * 40);
    fake.addPayment({
      status, amount, terminal: terminals[Math.floor(rand() * terminals.length)], created: Math.min(created, updated - 5), updated,
      amount_refunded: refunded, card_brand: status === 'requires_payment_method' || status === 'canceled' ? null : brand,
      card_last4: status === 'requires_payment_method' || status === 'canceled' ? null : last4,
      decline_code: rand() < 0.5 ? 'insufficient_funds' : 'generic_decline',
    });
  }
  // Needs attention: one stuck in processing, one paid but never fulfilled.
  fake.addPayment({ status: 'processing', amount: 2450, terminal: 'till-2', created: now - 40 * 60, updated: now - STUCK_AFTER_SECONDS - 25 * 60 });
  fake.addPayment({ status: 'succeeded', fulfilled: false, amount: 1299, terminal: 'kiosk-1', created: now - 15 * 60, updated: now - 14 * 60 });
}

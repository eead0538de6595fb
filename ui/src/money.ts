// Money on the till is always an integer in the currency's smallest unit, as Stripe counts it.
// This module is the one place that turns those integers into what a person reads.

/** Stripe's zero-decimal currencies: the amount is in whole units (JPY 500 = ¥500). */
const ZERO_DECIMAL = new Set([
  'bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf', 'isk',
]);

/**
 * Zero-decimal in display, but Stripe takes them as two-decimal amounts ending in 00 (ISK 5 is sent as 500).
 * Stripe lists both under its zero-decimal currencies; the amounts differ, so these are checked first.
 */
const SENT_TIMES_100 = new Set(['isk', 'ugx']);

/** Three-decimal currencies: amounts in thousandths (Stripe requires the last digit to be 0). */
const THREE_DECIMAL = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd']);

/** Largest amount Stripe accepts for most currencies (8 digits). */
export const MAX_AMOUNT = 99_999_999;

function code(currency: string): string {
  return currency.trim().toLowerCase();
}

/** The power of ten between the amount Stripe counts and one whole unit of the currency. */
export function amountExponent(currency: string): number {
  const c = code(currency);
  if (SENT_TIMES_100.has(c)) return 2;
  if (ZERO_DECIMAL.has(c)) return 0;
  if (THREE_DECIMAL.has(c)) return 3;
  return 2;
}

/** How many decimals a person sees. */
export function displayDecimals(currency: string): number {
  const c = code(currency);
  if (ZERO_DECIMAL.has(c)) return 0; // includes isk and ugx
  if (THREE_DECIMAL.has(c)) return 3;
  return 2;
}

export function isZeroDecimal(currency: string): boolean {
  return displayDecimals(currency) === 0;
}

/** Amount in the smallest unit → whole units of the currency, as a number (500 jpy → 500, 1999 usd → 19.99). */
export function toMajor(amount: number, currency: string): number {
  return amount / 10 ** amountExponent(currency);
}

const formatters = new Map<string, Intl.NumberFormat>();

/** Formats an amount in the currency's smallest unit for a person: 1999 usd → "$19.99", 500 jpy → "¥500". */
export function formatMoney(amount: number, currency: string, locale?: string): string {
  const c = code(currency);
  const decimals = displayDecimals(c);
  const key = `${locale ?? ''}|${c}`;
  let fmt = formatters.get(key);
  if (!fmt) {
    fmt = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency: c.toUpperCase(),
      minimumFractionDigits: decimals,
      maximumFractionDigits: decimals,
    });
    formatters.set(key, fmt);
  }
  return fmt.format(toMajor(amount, c));
}

/**
 * The keypad: the cashier types digits of the smallest unit a person sees (cents for USD, yen for JPY,
 * krónur for ISK). Returns the amount as Stripe counts it (ISK "500" → 50000), or 0 for no digits.
 */
export function keypadAmount(digits: string, currency: string): number {
  if (!/^\d*$/.test(digits)) throw new Error(`keypad digits must be 0-9, got ${JSON.stringify(digits)}`);
  const n = digits === '' ? 0 : Number(digits);
  return n * 10 ** (amountExponent(currency) - displayDecimals(currency));
}

/** Appends typed digits to the keypad's, refusing input that would exceed MAX_AMOUNT. Leading zeros are dropped. */
export function keypadAppend(digits: string, typed: string, currency: string): string {
  const next = (digits + typed).replace(/^0+/, '');
  if (next === '') return '';
  return keypadAmount(next, currency) > MAX_AMOUNT ? digits : next;
}

/**
 * What a person typed ("12.34", "12,34", "500") → the amount as Stripe counts it, or null when it is not an
 * amount in this currency (too many decimals, not a number, negative).
 */
export function parseAmount(text: string, currency: string): number | null {
  const t = text.trim().replace(/\s/g, '').replace(',', '.');
  const decimals = displayDecimals(currency);
  const m = /^(\d+)(?:\.(\d*))?$/.exec(t);
  if (!m) return null;
  const frac = m[2] ?? '';
  if (frac.length > decimals) return null;
  const minorShown = Number(m[1]) * 10 ** decimals + Number(frac.padEnd(decimals, '0') || '0');
  const amount = minorShown * 10 ** (amountExponent(currency) - decimals);
  return Number.isSafeInteger(amount) ? amount : null;
}

/** An amount as a plain number for an input field: 1999 usd → "19.99", 500 jpy → "500". */
export function amountInputValue(amount: number, currency: string): string {
  return toMajor(amount, currency).toFixed(displayDecimals(currency));
}

/** Banknotes a quick button may suggest, in whole units of the currency (most currencies' notes are among these). */
const NOTES = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000];

/**
 * What a customer is likely to hand over for `due`: the next round amounts above it (to 5, 10, 20, 50, … whole
 * units), at most `count`, in the currency's smallest unit. The exact amount is not among them.
 */
export function roundCashSuggestions(due: number, currency: string, count = 4): number[] {
  const unit = 10 ** amountExponent(currency);
  // A note much smaller than the bill is not what anyone rounds to (nobody pays ¥1,280 "to the next ¥1").
  const notes = NOTES.map((n) => n * unit).filter((n) => n * 20 > due && n >= unit * (isZeroDecimal(currency) ? 100 : 1));
  const out = new Set<number>();
  for (const n of notes) {
    const up = Math.ceil(due / n) * n;
    if (up > due && up <= MAX_AMOUNT) out.add(up);
  }
  return [...out].sort((a, b) => a - b).slice(0, count);
}

import { describe, expect, it } from 'vitest';
import { amountExponent, displayDecimals, formatMoney, keypadAmount, keypadAppend, MAX_AMOUNT, roundCashSuggestions, toMajor } from './money';

// Intl puts a no-break space between a currency code and the number.
const nb = (s: string) => s.replace(/ /g, '\u00a0');

describe('formatMoney', () => {
  it('formats two-decimal currencies from cents', () => {
    expect(formatMoney(1999, 'usd', 'en-US')).toBe('$19.99');
    expect(formatMoney(5, 'usd', 'en-US')).toBe('$0.05');
    expect(formatMoney(0, 'usd', 'en-US')).toBe('$0.00');
    expect(formatMoney(123456789, 'USD', 'en-US')).toBe('$1,234,567.89');
    expect(formatMoney(1999, 'eur', 'en-US')).toBe('€19.99');
    expect(formatMoney(1999, 'eur', 'de-DE')).toBe(nb('19,99 €'));
  });

  it('formats zero-decimal currencies as whole units', () => {
    expect(formatMoney(500, 'jpy', 'en-US')).toBe('¥500');
    expect(formatMoney(500, 'JPY', 'ja-JP')).toBe('￥500');
    expect(formatMoney(1500, 'krw', 'en-US')).toBe('₩1,500');
    expect(formatMoney(1000, 'clp', 'en-US')).toBe(nb('CLP 1,000'));
  });

  it('shows isk and ugx in whole units although they are sent times 100', () => {
    expect(formatMoney(50000, 'isk', 'en-US')).toBe(nb('ISK 500'));
    expect(formatMoney(50000, 'ugx', 'en-US')).toBe(nb('UGX 500'));
    expect(formatMoney(50000, 'isk', 'is-IS')).toMatch(/^500\s?kr\.?$/);
  });

  it('formats three-decimal currencies in thousandths', () => {
    expect(formatMoney(1500, 'kwd', 'en-US')).toBe(nb('KWD 1.500'));
  });

  it('uses the default locale when none is given', () => {
    expect(formatMoney(1999, 'usd')).toBe(new Intl.NumberFormat(undefined, { style: 'currency', currency: 'USD' }).format(19.99));
    expect(formatMoney(500, 'jpy')).toBe(new Intl.NumberFormat(undefined, { style: 'currency', currency: 'JPY' }).format(500));
  });
});

describe('exponents', () => {
  it('knows every zero-decimal currency', () => {
    for (const c of ['bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'vnd', 'vuv', 'xaf', 'xof', 'xpf']) {
      expect([c, amountExponent(c), displayDecimals(c)]).toEqual([c, 0, 0]);
    }
    for (const c of ['isk', 'ugx']) expect([c, amountExponent(c), displayDecimals(c)]).toEqual([c, 2, 0]);
    for (const c of ['usd', 'eur', 'gbp', 'huf', 'idr']) expect([c, amountExponent(c), displayDecimals(c)]).toEqual([c, 2, 2]);
  });

  it('converts to whole units', () => {
    expect(toMajor(1999, 'usd')).toBe(19.99);
    expect(toMajor(500, 'jpy')).toBe(500);
    expect(toMajor(50000, 'isk')).toBe(500);
  });
});

describe('keypad', () => {
  it('reads typed digits as the smallest unit a person sees', () => {
    expect(keypadAmount('', 'usd')).toBe(0);
    expect(keypadAmount('1999', 'usd')).toBe(1999);
    expect(keypadAmount('500', 'jpy')).toBe(500);
    expect(keypadAmount('500', 'isk')).toBe(50000);
    expect(() => keypadAmount('1.5', 'usd')).toThrow();
  });

  it('appends digits, drops leading zeros and refuses amounts above the maximum', () => {
    expect(keypadAppend('', '0', 'usd')).toBe('');
    expect(keypadAppend('', '00', 'usd')).toBe('');
    expect(keypadAppend('5', '00', 'usd')).toBe('500');
    expect(keypadAppend('9999999', '9', 'usd')).toBe('99999999');
    expect(keypadAmount(keypadAppend('99999999', '9', 'usd'), 'usd')).toBeLessThanOrEqual(MAX_AMOUNT);
    expect(keypadAppend('99999999', '9', 'usd')).toBe('99999999');
    expect(keypadAppend('999999', '9', 'isk')).toBe('999999');
  });
});

describe('parseAmount', () => {
  it('reads what a person typed in the currency’s units', async () => {
    const { parseAmount, amountInputValue } = await import('./money');
    expect(parseAmount('12.34', 'usd')).toBe(1234);
    expect(parseAmount('12,3', 'eur')).toBe(1230);
    expect(parseAmount('7', 'usd')).toBe(700);
    expect(parseAmount('500', 'jpy')).toBe(500);
    expect(parseAmount('5', 'isk')).toBe(500);
    expect(parseAmount('1.5', 'jpy')).toBeNull();
    expect(parseAmount('1.234', 'usd')).toBeNull();
    expect(parseAmount('-1', 'usd')).toBeNull();
    expect(parseAmount('abc', 'usd')).toBeNull();
    expect(amountInputValue(1999, 'usd')).toBe('19.99');
    expect(amountInputValue(500, 'jpy')).toBe('500');
  });
});

describe('roundCashSuggestions', () => {
  it('suggests the next round amounts above what is due, in minor units', () => {
    expect(roundCashSuggestions(1170, 'usd')).toEqual([1200, 1500, 2000, 5000]);
    expect(roundCashSuggestions(540, 'eur')).toEqual([600, 1000, 2000, 5000]);
  });
  it('never suggests the exact amount, and works for zero-decimal currencies', () => {
    expect(roundCashSuggestions(2000, 'usd')).not.toContain(2000);
    expect(roundCashSuggestions(1280, 'jpy')).toEqual([1300, 1400, 1500, 2000]);
  });
});

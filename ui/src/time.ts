/** Backend timestamps: Unix seconds (as Stripe's `created`), or milliseconds. Both are accepted. */
export function toDate(ts: number): Date {
  return new Date(ts < 1e12 ? ts * 1000 : ts);
}

export function formatDateTime(ts: number, locale?: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium' }).format(toDate(ts));
}

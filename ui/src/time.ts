/** Backend timestamps: Unix seconds (as Stripe's `created`), or milliseconds. Both are accepted. */
export function toDate(ts: number): Date {
  return new Date(ts < 1e12 ? ts * 1000 : ts);
}

export function formatDateTime(ts: number, locale?: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium' }).format(toDate(ts));
}

/** The admin table's time: "Mar 3, 14:05" (24-hour, so the column stays narrow). */
export function formatShortDateTime(ts: number, locale?: string): string {
  return new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(toDate(ts));
}

/** With seconds, for event timelines: "Mar 3, 14:05:09". */
export function formatShortDateTimeSeconds(ts: number, locale?: string): string {
  return new Intl.DateTimeFormat(locale, {
    month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  }).format(toDate(ts));
}

/** 75 → "1 min", 7200 → "2 h", 30 → "30 s". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86400) {
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    return m ? `${h} h ${m} min` : `${h} h`;
  }
  const d = Math.floor(s / 86400);
  return `${d} day${d === 1 ? '' : 's'}`;
}

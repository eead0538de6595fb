// Date inputs give "YYYY-MM-DD" in the local time zone; the core counts Unix seconds.

function parts(day: string): [number, number, number] | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

/** The day's first second (local midnight), inclusive. */
export function dayStart(day: string): number | null {
  const p = parts(day);
  return p ? Math.floor(new Date(p[0], p[1] - 1, p[2]).getTime() / 1000) : null;
}

/** The next day's first second: the exclusive end of `day`. */
export function dayEnd(day: string): number | null {
  const p = parts(day);
  return p ? Math.floor(new Date(p[0], p[1] - 1, p[2] + 1).getTime() / 1000) : null;
}

export function dayString(d: Date = new Date()): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

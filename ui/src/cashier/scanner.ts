/**
 * Barcode scanners are keyboards: they type the code fast and press Enter. A person types the same keys far
 * more slowly, so the time between keys tells them apart. Scanners in keyboard mode send a key every 1–20 ms;
 * a quick typist's keys are 80 ms or more apart.
 */

/** The longest pause between two keys of one scan. */
export const SCAN_GAP_MS = 40;
/** The shortest code taken as a scan (EAN-8 is the shortest retail code; shorter bursts are typing). */
export const SCAN_MIN_LENGTH = 6;

export type Fed =
  /** The key starts a new burst (after a pause): what the screen shows now is what a scan would restore. */
  | { kind: 'burst-start' }
  /** Enter ended a burst fast and long enough to be a scan: the code, and the Enter is the scanner's. */
  | { kind: 'scan'; code: string }
  | { kind: 'key' };

export class ScanDetector {
  private buffer = '';
  private last = -Infinity;

  /** One keydown: its `key` and when it came (ms, any monotonic clock). */
  feed(key: string, at: number): Fed {
    const fast = at - this.last <= SCAN_GAP_MS;
    this.last = at;
    if (key === 'Enter') {
      const code = this.buffer;
      this.buffer = '';
      return fast && code.length >= SCAN_MIN_LENGTH ? { kind: 'scan', code } : { kind: 'key' };
    }
    if (key.length !== 1) {
      this.buffer = '';
      return { kind: 'key' };
    }
    if (!fast || this.buffer === '') {
      this.buffer = key;
      return { kind: 'burst-start' };
    }
    this.buffer += key;
    return { kind: 'key' };
  }
}

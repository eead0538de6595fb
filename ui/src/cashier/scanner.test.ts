import { describe, expect, it } from 'vitest';
import { SCAN_GAP_MS, ScanDetector } from './scanner';

function feed(d: ScanDetector, keys: string[], start: number, gap: number) {
  return keys.map((k, i) => d.feed(k, start + i * gap));
}

describe('ScanDetector', () => {
  it('takes a fast burst ended by Enter as a scan', () => {
    const d = new ScanDetector();
    const out = feed(d, [...'4006381333931', 'Enter'], 1000, 8);
    expect(out[0]).toEqual({ kind: 'burst-start' });
    expect(out.at(-1)).toEqual({ kind: 'scan', code: '4006381333931' });
  });

  it('takes the same keys typed by a person as typing', () => {
    const d = new ScanDetector();
    const out = feed(d, [...'4006381333931', 'Enter'], 1000, 120);
    expect(out.at(-1)).toEqual({ kind: 'key' });
  });

  it('needs the Enter to come fast too, and a code long enough', () => {
    const d = new ScanDetector();
    const keys = feed(d, [...'40063813'], 0, 5);
    expect(keys.every((k) => k.kind !== 'scan')).toBe(true);
    expect(d.feed('Enter', 7 * 5 + SCAN_GAP_MS + 50)).toEqual({ kind: 'key' });
    expect(feed(d, [...'123', 'Enter'], 5000, 5).at(-1)).toEqual({ kind: 'key' });
  });

  it('starts over after a pause, so typed keys before a scan are not part of its code', () => {
    const d = new ScanDetector();
    feed(d, ['1', '2'], 0, 200);
    const out = feed(d, [...'012345678905', 'Enter'], 1000, 10);
    expect(out[0]).toEqual({ kind: 'burst-start' });
    expect(out.at(-1)).toEqual({ kind: 'scan', code: '012345678905' });
  });
});

import { useCallback, useEffect, useRef, useState } from 'react';

const INPUT_EVENTS = ['pointerdown', 'keydown', 'wheel', 'touchstart', 'input'] as const;

/**
 * "Are you still there?": after `idleSeconds` without input while `enabled`, counts down from
 * `countdownSeconds`; at 0 calls onExpire. Any input (or poke(), e.g. typing in the card form's iframe, whose
 * events never reach this document) starts over. Disabling (while paying) stops both the wait and the countdown.
 */
export function useIdle(enabled: boolean, idleSeconds: number, countdownSeconds: number, onExpire: () => void) {
  const [remaining, setRemaining] = useState<number | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const expire = useRef(onExpire);
  expire.current = onExpire;
  const enabledRef = useRef(enabled);
  enabledRef.current = enabled;

  const arm = useCallback(() => {
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setRemaining(countdownSeconds), idleSeconds * 1000);
  }, [idleSeconds, countdownSeconds]);

  const remainingRef = useRef(remaining);
  remainingRef.current = remaining;

  /** Input: the wait starts over. While the question is on screen only its own answer counts (no click-through). */
  const poke = useCallback(() => {
    if (!enabledRef.current || remainingRef.current !== null) return;
    arm();
  }, [arm]);

  /** "I'm still here". */
  const stillHere = useCallback(() => {
    setRemaining(null);
    remainingRef.current = null;
    if (enabledRef.current) arm();
  }, [arm]);

  useEffect(() => {
    if (!enabled) {
      clearTimeout(timer.current);
      setRemaining(null);
      return;
    }
    arm();
    const opts = { capture: true, passive: true };
    for (const ev of INPUT_EVENTS) window.addEventListener(ev, poke, opts);
    return () => {
      clearTimeout(timer.current);
      for (const ev of INPUT_EVENTS) window.removeEventListener(ev, poke, opts);
    };
  }, [enabled, arm, poke]);

  useEffect(() => {
    if (remaining === null) return;
    if (remaining <= 0) {
      setRemaining(null);
      expire.current();
      return;
    }
    const t = setTimeout(() => setRemaining((r) => (r === null ? null : r - 1)), 1000);
    return () => clearTimeout(t);
  }, [remaining]);

  return { remaining, poke, stillHere };
}

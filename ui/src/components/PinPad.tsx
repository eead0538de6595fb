import { useCallback, useEffect, useRef, useState } from 'react';
import type { TillError } from '../api/types';
import { toTillError } from '../errors';

export const PIN_MAX_TRIES = 5;
export const PIN_LOCK_SECONDS = 30;
const PIN_MAX_LENGTH = 12;

/** Wrong tries survive closing the pad: its owner keeps this. */
export interface PinLock {
  failures: number;
  lockedUntil: number | null;
  fail: () => void;
  reset: () => void;
}

export function usePinLock(): PinLock {
  const [state, setState] = useState<{ failures: number; lockedUntil: number | null }>({ failures: 0, lockedUntil: null });
  const fail = useCallback(
    () =>
      setState((s) =>
        s.failures + 1 >= PIN_MAX_TRIES
          ? { failures: 0, lockedUntil: Date.now() + PIN_LOCK_SECONDS * 1000 }
          : { failures: s.failures + 1, lockedUntil: s.lockedUntil },
      ),
    [],
  );
  const reset = useCallback(() => setState({ failures: 0, lockedUntil: null }), []);
  return { ...state, fail, reset };
}

interface Props {
  title: string;
  description: string;
  submitLabel?: string;
  /** Resolves true for the right PIN. */
  check: (pin: string) => Promise<boolean>;
  onSuccess: () => void;
  /** Without it the pad has no Cancel: there is nothing behind it to go back to (the admin window). */
  onCancel?: () => void;
  lock: PinLock;
  /** Shown after success while the owner acts on it (e.g. "Leaving kiosk mode…"). */
  successLabel?: string;
  size?: 'normal' | 'large';
}

const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** A staff PIN pad: tap or type digits, Backspace, Enter to check, Escape to close. */
export function PinPad({ title, description, submitLabel = 'Unlock', check, onSuccess, onCancel, lock, successLabel, size = 'normal' }: Props) {
  const [pin, setPin] = useState('');
  const [busy, setBusy] = useState(false);
  const [wrong, setWrong] = useState(false);
  const [error, setError] = useState<TillError | null>(null);
  const [done, setDone] = useState(false);
  const [now, setNow] = useState(() => Date.now());
  const root = useRef<HTMLDivElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  const lockedFor = lock.lockedUntil !== null && lock.lockedUntil > now ? Math.ceil((lock.lockedUntil - now) / 1000) : 0;
  const locked = lockedFor > 0;
  const disabled = busy || locked || done;

  useEffect(() => {
    heading.current?.focus();
  }, []);

  useEffect(() => {
    if (lock.lockedUntil === null) return;
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(t);
  }, [lock.lockedUntil]);

  const type = useCallback((d: string) => {
    setWrong(false);
    setError(null);
    setPin((p) => (p.length >= PIN_MAX_LENGTH ? p : p + d));
  }, []);

  const submit = useCallback(async () => {
    if (!pin || disabled) return;
    setBusy(true);
    setError(null);
    try {
      const ok = await check(pin);
      if (ok) {
        lock.reset();
        setDone(true);
        onSuccess();
      } else {
        lock.fail();
        setWrong(true);
        setPin('');
      }
    } catch (e) {
      setError(toTillError(e));
      setPin('');
    } finally {
      setBusy(false);
    }
  }, [pin, disabled, check, lock, onSuccess]);

  const keyState = useRef({ type, submit, disabled, onCancel });
  keyState.current = { type, submit, disabled, onCancel };
  useEffect(() => {
    function onKey(e: KeyboardEvent) {
      if (e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return;
      const k = keyState.current;
      const onButton = e.target instanceof Element && !!e.target.closest('.pin-pad button');
      if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation();
        k.onCancel?.();
      } else if (/^[0-9]$/.test(e.key)) {
        e.preventDefault();
        if (!k.disabled) k.type(e.key);
      } else if (e.key === 'Backspace') {
        e.preventDefault();
        if (!k.disabled) setPin((p) => p.slice(0, -1));
      } else if (e.key === 'Enter' && !onButton) {
        e.preventDefault();
        void k.submit();
      }
    }
    // Capture: before the screen's own keyboard handlers (they skip events already handled).
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, []);

  const status = done
    ? successLabel ?? 'PIN accepted.'
    : locked
      ? `Too many wrong tries. Try again in ${lockedFor} s.`
      : busy
        ? 'Checking…'
        : null;

  return (
    <div className="modal-backdrop pin-backdrop">
      <div
        ref={root}
        className={`pin-pad pin-pad-${size}`}
        role="dialog"
        aria-modal="true"
        aria-labelledby="pin-title"
        aria-describedby="pin-desc"
        data-testid="pin-pad"
      >
        <h2 id="pin-title" ref={heading} tabIndex={-1}>
          {title}
        </h2>
        <p id="pin-desc" className="muted">
          {description}
        </p>
        <div className="pin-display" role="status" aria-label={`PIN: ${pin.length} digit${pin.length === 1 ? '' : 's'} entered`}>
          {pin.length === 0 ? (
            <span className="pin-placeholder">Enter PIN</span>
          ) : (
            <span aria-hidden="true">{'●'.repeat(pin.length)}</span>
          )}
        </div>
        <div className="pin-messages" aria-live="assertive">
          {/* After a lock has run out the count starts again: no stale "Wrong PIN". */}
          {wrong && !locked && lock.failures > 0 ? (
            <p className="pin-error" role="alert" data-testid="pin-error">
              <span aria-hidden="true">✕ </span>Wrong PIN. {PIN_MAX_TRIES - lock.failures}{' '}
              {PIN_MAX_TRIES - lock.failures === 1 ? 'try' : 'tries'} left.
            </p>
          ) : null}
          {locked ? (
            <p className="pin-error pin-locked" role="alert" data-testid="pin-error">
              {status}
            </p>
          ) : status ? (
            <p className="pin-status">{status}</p>
          ) : null}
          {error ? (
            <p className="pin-error" role="alert">
              {error.message}
            </p>
          ) : null}
        </div>
        <div className="pin-keys">
          {KEYS.map((k) => (
            <button key={k} type="button" className="pin-key" disabled={disabled} onClick={() => type(k)}>
              {k}
            </button>
          ))}
          <button
            type="button"
            className="pin-key pin-key-fn"
            aria-label="Delete last digit"
            disabled={disabled || !pin}
            onClick={() => setPin((p) => p.slice(0, -1))}
          >
            ⌫
          </button>
          <button type="button" className="pin-key" disabled={disabled} onClick={() => type('0')}>
            0
          </button>
          <button type="button" className="pin-key pin-key-fn" aria-label="Clear PIN" disabled={disabled || !pin} onClick={() => setPin('')}>
            C
          </button>
        </div>
        <div className="pin-actions">
          {onCancel ? (
            <button type="button" className="btn btn-large" onClick={onCancel} disabled={done}>
              Cancel
            </button>
          ) : null}
          <button type="button" className="btn btn-primary btn-large" onClick={() => void submit()} disabled={disabled || !pin}>
            {busy ? 'Checking…' : submitLabel}
          </button>
        </div>
      </div>
    </div>
  );
}

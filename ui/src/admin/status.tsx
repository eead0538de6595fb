import type { DisplayStatus } from '../api/types';

/** Every status at a glance: its own color, icon and words (never color alone). */
export const STATUS_META: Record<DisplayStatus, { label: string; icon: string; hint: string }> = {
  succeeded: { label: 'Succeeded', icon: '✓', hint: 'The payment succeeded (succeeded).' },
  requires_capture: { label: 'To capture', icon: '‖', hint: 'Authorized; the money is held until captured (requires_capture).' },
  processing: { label: 'Processing', icon: '↻', hint: 'The bank is processing the payment (processing).' },
  requires_action: { label: 'Needs 3-D Secure', icon: '◐', hint: 'Waiting for the customer to authenticate (requires_action).' },
  requires_payment_method: { label: 'Awaiting card', icon: '○', hint: 'No card has been entered yet (requires_payment_method).' },
  failed: { label: 'Failed', icon: '✕', hint: 'The last attempt was declined (requires_payment_method after a decline).' },
  canceled: { label: 'Canceled', icon: '⊘', hint: 'The payment was canceled; nothing was charged (canceled).' },
};

export const ALL_STATUSES = Object.keys(STATUS_META) as DisplayStatus[];

/** Statuses a payment can still be canceled from. */
export const CANCELABLE: DisplayStatus[] = ['requires_payment_method', 'requires_action', 'requires_capture', 'failed'];

export function StatusBadge({ status }: { status: DisplayStatus }) {
  const m = STATUS_META[status] ?? { label: String(status), icon: '?', hint: String(status) };
  return (
    <span className={`status-badge status-${status}`} data-status={status} title={m.hint}>
      <span className="status-icon" aria-hidden="true">
        {m.icon}
      </span>
      {m.label}
    </span>
  );
}

const OUTCOMES: Record<string, string> = {
  fulfilled: 'Fulfilled the order',
  state_changed: 'Status updated',
  unchanged: 'No change',
  duplicate: 'Duplicate, ignored',
  amount_mismatch: 'Amount mismatch: not fulfilled',
  not_ours: 'Not this till’s',
};

export function outcomeLabel(outcome: string): string {
  return OUTCOMES[outcome] ?? outcome.replace(/_/g, ' ');
}

export function statusWords(status: string | null): string {
  if (!status) return '—';
  return (STATUS_META as Record<string, { label: string }>)[status]?.label ?? status.replace(/_/g, ' ');
}

import { act, render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { installFakeTill } from '../test/harness';
import { SyncBanner } from './SyncBanner';

describe('SyncBanner', () => {
  it('is absent while online', async () => {
    const fake = installFakeTill();
    render(<SyncBanner />);
    await act(async () => {});
    expect(fake.callsOf('sync_status')).toHaveLength(1);
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('while online, shows what the core still has to say (a skipped feed item) as a notice, not an alert', async () => {
    installFakeTill({
      sync: { online: true, message: '1 event from the payment server could not be read and was skipped; the till’s log names it.', retry_in_ms: null, cursor: 9 },
    });
    const { container } = render(<SyncBanner />);
    const notice = await screen.findByRole('status');
    expect(notice).toHaveTextContent('could not be read and was skipped');
    expect(container.querySelector('.sync-banner-notice')).not.toBeNull();
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.queryByText(/Offline/)).toBeNull();
  });

  it('shows the offline message in red with a retry countdown, and goes away when back online', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const fake = installFakeTill({
      sync: { online: false, message: 'The payment backend is not answering.', retry_in_ms: 5_000, cursor: 3 },
    });
    const { container } = render(<SyncBanner />);
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Offline. The payment backend is not answering.');
    expect(container.querySelector('.sync-banner')).not.toBeNull();
    expect(screen.getByText('Retrying in 5 s')).toBeInTheDocument();
    // The banner shows no spinner: a countdown.
    expect(container.querySelector('.spinner')).toBeNull();

    await act(() => vi.advanceTimersByTimeAsync(2_000));
    expect(screen.getByText('Retrying in 3 s')).toBeInTheDocument();
    await act(() => vi.advanceTimersByTimeAsync(3_000));
    expect(screen.getByText('Retrying now…')).toBeInTheDocument();

    // A new status from the core (event) restarts the countdown with its message.
    act(() => fake.setSync({ online: false, message: 'Still no answer from the backend.', retry_in_ms: 10_000, cursor: 3 }));
    expect(screen.getByRole('alert')).toHaveTextContent('Still no answer from the backend.');
    expect(screen.getByText('Retrying in 10 s')).toBeInTheDocument();

    act(() => fake.setSync({ online: true, message: null, retry_in_ms: null, cursor: 4 }));
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.queryByText(/Retrying/)).toBeNull();
  });

  it('asks the core again when the announced retry passed without news', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const fake = installFakeTill({ sync: { online: false, message: 'Down.', retry_in_ms: 1_000, cursor: 0 } });
    render(<SyncBanner />);
    await screen.findByRole('alert');
    await act(() => vi.advanceTimersByTimeAsync(4_000));
    expect(fake.callsOf('sync_status').length).toBe(2);
  });
});

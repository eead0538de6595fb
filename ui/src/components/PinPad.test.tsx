import { act, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { PIN_LOCK_SECONDS, PinPad, usePinLock } from './PinPad';

function Harness({ check, onSuccess }: { check: (pin: string) => Promise<boolean>; onSuccess: () => void }) {
  const lock = usePinLock();
  return <PinPad title="Staff only" description="Enter the PIN." check={check} onSuccess={onSuccess} onCancel={() => {}} lock={lock} />;
}

describe('PinPad', () => {
  it('locks for 30 s after 5 wrong PINs, then lets the right one in', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const check = vi.fn(async (pin: string) => pin === '4321');
    const onSuccess = vi.fn();
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    render(<Harness check={check} onSuccess={onSuccess} />);
    for (let i = 1; i <= 5; i++) {
      await user.keyboard('1111{Enter}');
      await waitFor(() => expect(check).toHaveBeenCalledTimes(i));
    }
    expect(await screen.findByTestId('pin-error')).toHaveTextContent(`Try again in ${PIN_LOCK_SECONDS} s`);
    await user.keyboard('4321{Enter}');
    expect(check).toHaveBeenCalledTimes(5);
    await act(() => vi.advanceTimersByTimeAsync(PIN_LOCK_SECONDS * 1000 + 500));
    expect(screen.queryByTestId('pin-error')).toBeNull();
    await user.keyboard('4321{Enter}');
    await waitFor(() => expect(onSuccess).toHaveBeenCalledTimes(1));
    expect(check).toHaveBeenLastCalledWith('4321');
  });
});

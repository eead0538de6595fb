import { act, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Progress } from './Progress';

describe('Progress', () => {
  afterEach(() => vi.useRealTimers());

  it('shows its spinner and words at once by default', () => {
    const { container } = render(<Progress label="Loading items…" />);
    expect(screen.getByText('Loading items…')).toBeInTheDocument();
    expect(container.querySelector('.spinner')).not.toBeNull();
  });

  it('with a delay, shows nothing animated until the wait lasts, but still tells assistive technology', async () => {
    vi.useFakeTimers();
    const { container } = render(<Progress label="Starting Kassa…" delayMs={400} />);
    expect(container.querySelector('.spinner')).toBeNull();
    expect(screen.queryByText('Starting Kassa…')).toBeNull();
    expect(screen.getByRole('status', { name: 'Starting Kassa…' })).toBeInTheDocument();
    await act(() => vi.advanceTimersByTimeAsync(399));
    expect(container.querySelector('.spinner')).toBeNull();
    await act(() => vi.advanceTimersByTimeAsync(1));
    expect(container.querySelector('.spinner')).not.toBeNull();
    expect(screen.getByText('Starting Kassa…')).toBeInTheDocument();
  });
});

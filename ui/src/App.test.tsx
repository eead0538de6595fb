import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { invoke } from '@tauri-apps/api/core';
import { describe, expect, it, vi } from 'vitest';
import App from './App';
import { installFakeTill } from './test/harness';

describe('App', () => {
  it('renders the cashier screen for the cashier view, with header and offline banner', async () => {
    installFakeTill({ sync: { online: false, message: 'Backend unreachable.', retry_in_ms: 30_000, cursor: 0 } });
    render(<App />);
    expect(await screen.findByRole('button', { name: /^Espresso/ })).toBeInTheDocument();
    expect(screen.getByText('Terminal', { exact: false })).toHaveTextContent('Terminal till-1');
    expect(screen.getByText('Demo · test mode')).toBeInTheDocument();
    expect(await screen.findByRole('alert')).toHaveTextContent('Backend unreachable.');
    expect(screen.getByText('Retrying in 30 s')).toBeInTheDocument();
  });

  it.each([
    ['kiosk', 'Customer kiosk'],
    ['admin', 'Admin'],
  ] as const)('renders a placeholder for the %s view', async (view, title) => {
    const fake = installFakeTill({ info: { view } });
    render(<App />);
    expect(await screen.findByRole('heading', { name: title })).toBeInTheDocument();
    expect(screen.getByText(/not built yet/)).toBeInTheDocument();
    expect(fake.callsOf('current_order')).toHaveLength(0);
  });

  it('shows an app_info error with Retry', async () => {
    const fake = installFakeTill();
    vi.mocked(invoke).mockRejectedValueOnce({ kind: 'internal', message: 'The till core did not start.', field: null });
    render(<App />);
    expect(await screen.findByRole('alert')).toHaveTextContent('The till core did not start.');
    vi.mocked(invoke).mockImplementation((cmd: string, args?: unknown) => fake.handle(cmd, args as Record<string, unknown>) as never);
    await userEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(await screen.findByRole('button', { name: /^Espresso/ })).toBeInTheDocument();
  });
});

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import App from './App';
import { blockContextMenu } from './contextMenu';
import './styles/app.css';
import './styles/pin.css';

blockContextMenu();

async function start() {
  // Dev only: `npm run dev` then open http://localhost:1420/?mock in a browser, without Tauri.
  // import.meta.env.DEV is false in `vite build`, so this branch and the mock are not in the bundle.
  if (import.meta.env.DEV && new URLSearchParams(window.location.search).has('mock')) {
    const { installMockTauri } = await import('./dev/mockTauri');
    installMockTauri();
  }
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}

void start();

import { useEffect, useRef, type ReactNode } from 'react';

interface Props {
  title: string;
  onClose: () => void;
  /** While an action runs the dialog stays open. */
  busy?: boolean;
  children: ReactNode;
  testId?: string;
  role?: 'dialog' | 'alertdialog';
}

let seq = 0;

/** A modal dialog: labelled, Escape closes, focus goes in and comes back to where it was. */
export function Dialog({ title, onClose, busy = false, children, testId, role = 'dialog' }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const id = useRef(`dlg-${++seq}`);
  const close = useRef(onClose);
  close.current = onClose;
  const busyRef = useRef(busy);
  busyRef.current = busy;

  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    const first = box.current?.querySelector<HTMLElement>('[data-autofocus], input, select, button');
    first?.focus();
    return () => {
      if (before && document.contains(before)) before.focus();
    };
  }, []);

  return (
    <div
      className="modal-backdrop"
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.preventDefault(); // the drawer underneath stays open
          e.stopPropagation();
          if (!busyRef.current) close.current();
        }
      }}
    >
      <div ref={box} className="confirm admin-dialog" role={role} aria-modal="true" aria-labelledby={id.current} data-testid={testId}>
        <h2 id={id.current} className="confirm-title">
          {title}
        </h2>
        {children}
      </div>
    </div>
  );
}

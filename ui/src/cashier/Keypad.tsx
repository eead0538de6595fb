import { formatMoney, keypadAmount } from '../money';
import { keepFocus } from './focus';

interface Props {
  digits: string;
  currency: string;
  disabled: boolean;
  busy: boolean;
  onDigits: (typed: string) => void;
  onBackspace: () => void;
  onClear: () => void;
  onAdd: () => void;
}

const KEYS = ['7', '8', '9', '4', '5', '6', '1', '2', '3'];

/** Custom amounts: digits of the smallest unit a person sees, shown formatted as they are typed. */
export function Keypad({ digits, currency, disabled, busy, onDigits, onBackspace, onClear, onAdd }: Props) {
  const amount = keypadAmount(digits, currency);
  const key = (k: string) => (
    <button
      key={k}
      type="button"
      className="key"
      style={{ gridArea: `k${k}` }}
      onMouseDown={keepFocus}
      disabled={disabled}
      onClick={() => onDigits(k)}
    >
      {k}
    </button>
  );
  return (
    <section className="panel keypad" aria-labelledby="keypad-title">
      <div className="keypad-left">
        <h2 id="keypad-title" className="panel-title">
          Custom amount
        </h2>
        <output className={`keypad-display${digits ? '' : ' is-empty'}`} aria-live="polite" aria-label="Custom amount">
          {formatMoney(amount, currency)}
        </output>
        <p className="hint" aria-hidden="true">
          Type digits on the keyboard · <kbd>⌫</kbd> deletes · <kbd>Esc</kbd> clears · <kbd>Enter</kbd> adds
        </p>
      </div>
      <div className="keypad-grid">
        {KEYS.map(key)}
        {key('0')}
        {key('00')}
        <button
          type="button"
          className="key key-fn"
          style={{ gridArea: 'bs' }}
          aria-label="Backspace"
          aria-keyshortcuts="Backspace"
          onMouseDown={keepFocus}
          disabled={disabled || !digits}
          onClick={onBackspace}
        >
          ⌫
        </button>
        <button
          type="button"
          className="key key-fn"
          style={{ gridArea: 'cl' }}
          aria-label="Clear amount"
          aria-keyshortcuts="Escape"
          onMouseDown={keepFocus}
          disabled={disabled || !digits}
          onClick={onClear}
        >
          C
        </button>
        <button
          type="button"
          className="key key-add"
          style={{ gridArea: 'add' }}
          aria-label={amount > 0 ? `Add ${formatMoney(amount, currency)}` : 'Add'}
          onMouseDown={keepFocus}
          disabled={disabled || amount <= 0 || busy}
          onClick={onAdd}
        >
          Add
        </button>
      </div>
    </section>
  );
}

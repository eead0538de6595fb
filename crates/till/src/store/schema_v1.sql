-- Orders with their lines; all money in integer minor units of the order's currency.
CREATE TABLE orders (
    id TEXT PRIMARY KEY,
    currency TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'awaiting_payment', 'paid', 'canceled')),
    payment_intent_id TEXT UNIQUE,
    payment_status TEXT,
    -- created time of the Stripe snapshot payment_status came from, to tell late events from new ones
    payment_state_as_of INTEGER NOT NULL DEFAULT 0,
    last_error_code TEXT,
    last_error_message TEXT,
    card_brand TEXT,
    card_last4 TEXT,
    created INTEGER NOT NULL,
    updated INTEGER NOT NULL
);
CREATE INDEX orders_by_status ON orders (status, created DESC, id DESC);
CREATE INDEX orders_by_created ON orders (created DESC, id DESC);

CREATE TABLE order_lines (
    id INTEGER PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    sku TEXT,
    name TEXT NOT NULL,
    unit_amount INTEGER NOT NULL CHECK (unit_amount > 0),
    quantity INTEGER NOT NULL CHECK (quantity > 0)
);
CREATE INDEX order_lines_by_order ON order_lines (order_id, id);

-- Append-only: every feed event the till applied, with what it did.
CREATE TABLE applied_events (
    seq INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    cursor INTEGER NOT NULL,
    type TEXT NOT NULL,
    payment_intent_id TEXT,
    order_id TEXT,
    outcome TEXT NOT NULL,
    applied_at INTEGER NOT NULL
);
CREATE INDEX applied_events_by_intent ON applied_events (payment_intent_id, seq);

-- At most one fulfilment per order and per PaymentIntent: the database itself forbids a second.
CREATE TABLE fulfilments (
    order_id TEXT PRIMARY KEY REFERENCES orders (id),
    payment_intent_id TEXT NOT NULL UNIQUE,
    event_id TEXT NOT NULL,
    amount INTEGER NOT NULL,
    currency TEXT NOT NULL,
    fulfilled_at INTEGER NOT NULL
);

-- Where the feed resumes after a restart.
CREATE TABLE sync_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    cursor INTEGER NOT NULL
);
INSERT INTO sync_state (id, cursor) VALUES (1, 0);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

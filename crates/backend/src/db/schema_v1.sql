-- Terminals (tills and admins) and their bearer tokens, stored as SHA-256 hashes only.
CREATE TABLE terminals (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    token_sha256 TEXT NOT NULL UNIQUE,
    admin INTEGER NOT NULL DEFAULT 0,
    created INTEGER NOT NULL
);

-- One row per order, one PaymentIntent per order. The payment state is kept from events and re-fetches.
CREATE TABLE orders (
    order_id TEXT PRIMARY KEY,
    terminal TEXT NOT NULL,
    payment_intent_id TEXT UNIQUE,
    amount INTEGER NOT NULL CHECK (amount > 0),
    currency TEXT NOT NULL,
    description TEXT,
    capture_method TEXT NOT NULL DEFAULT 'automatic',
    status TEXT NOT NULL,
    amount_received INTEGER NOT NULL DEFAULT 0,
    amount_capturable INTEGER NOT NULL DEFAULT 0,
    amount_refunded INTEGER NOT NULL DEFAULT 0,
    card_brand TEXT,
    card_last4 TEXT,
    last_error_code TEXT,
    last_error_message TEXT,
    -- created time of the Stripe object snapshot the status came from, to tell late events from new ones
    state_as_of INTEGER NOT NULL DEFAULT 0,
    created INTEGER NOT NULL,
    updated INTEGER NOT NULL
);
CREATE INDEX orders_by_created ON orders (created DESC, order_id DESC);
CREATE INDEX orders_by_status ON orders (status, created DESC, order_id DESC);
CREATE INDEX orders_by_terminal ON orders (terminal, created DESC, order_id DESC);

-- Every verified event, in the order stored. cursor is the feed's position: strictly increasing, never reused.
CREATE TABLE events (
    cursor INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    payment_intent_id TEXT,
    order_id TEXT,
    terminal TEXT,
    is_foreign INTEGER NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('webhook', 'reconcile')),
    stripe_created INTEGER NOT NULL,
    received INTEGER NOT NULL,
    payload TEXT NOT NULL
);
CREATE INDEX events_by_terminal ON events (terminal, cursor);
CREATE INDEX events_by_intent ON events (payment_intent_id, cursor);

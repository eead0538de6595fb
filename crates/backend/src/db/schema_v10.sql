-- Card readers (Stripe Terminal), registered by an admin and assigned to a terminal (a till). Stripe is the authority
-- on a reader's status and action; the backend keeps who may use it.
CREATE TABLE readers (
    reader_id TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    terminal TEXT,
    device_type TEXT NOT NULL,
    registered INTEGER NOT NULL
);
CREATE INDEX readers_terminal ON readers (terminal);

-- The Terminal location readers are registered at: made once, on the first registration.
CREATE TABLE reader_location (
    only INTEGER PRIMARY KEY CHECK (only = 1),
    location_id TEXT NOT NULL
);

-- How a card-present payment's card was read (contactless_emv, contact_emv, ...), for the admin screen.
ALTER TABLE orders ADD COLUMN card_read_method TEXT;

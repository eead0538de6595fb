-- Stripe is the authority: an event's status is a hint until a fetch of the intent confirms it.
-- state_cursor: the cursor of the event that last moved the status; a fetch begun before it may be older.
ALTER TABLE orders ADD COLUMN state_cursor INTEGER NOT NULL DEFAULT 0;
-- A final status that came from an event is checked against Stripe once; 1 when no check is owed.
ALTER TABLE orders ADD COLUMN verified INTEGER NOT NULL DEFAULT 1;
-- Reconciliation's backoff: an intent checked and found unchanged is checked again later and later.
ALTER TABLE orders ADD COLUMN next_check INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN checks INTEGER NOT NULL DEFAULT 0;
-- What Stripe said when it contradicted an event we had applied, for the admin to look at.
ALTER TABLE orders ADD COLUMN disagreement TEXT;
-- Reconciliation reads a page of the intents owed a check, oldest due first.
CREATE INDEX orders_to_check ON orders (next_check)
    WHERE payment_intent_id IS NOT NULL AND (status NOT IN ('succeeded', 'canceled') OR verified = 0);

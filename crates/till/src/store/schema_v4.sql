-- Whether Stripe's events about the order's intent say live mode (1) or test mode (0); NULL until one has come.
-- The admin screen links each payment to the Dashboard of its own mode.
ALTER TABLE orders ADD COLUMN livemode INTEGER;

-- The sync banner counts the feed items the till skipped after every feed page: with this, the count reads the few
-- skipped rows instead of scanning every event the till ever applied.
CREATE INDEX applied_events_unreadable ON applied_events (outcome) WHERE outcome = 'unreadable';

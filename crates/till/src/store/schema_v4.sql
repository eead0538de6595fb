-- Whether Stripe's events about the order's intent say live mode (1) or test mode (0); NULL until one has come.
-- The admin screen links each payment to the Dashboard of its own mode.
ALTER TABLE orders ADD COLUMN livemode INTEGER;

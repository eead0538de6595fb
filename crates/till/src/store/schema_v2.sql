-- Refunds, for the admin's end-of-day figures.
ALTER TABLE orders ADD COLUMN amount_refunded INTEGER NOT NULL DEFAULT 0;
-- The admin table's status: Stripe's, or 'failed' after a declined attempt, or the order's own end.
ALTER TABLE orders ADD COLUMN display_status TEXT GENERATED ALWAYS AS (
    CASE
        WHEN status = 'canceled' OR payment_status = 'canceled' THEN 'canceled'
        WHEN status = 'paid' OR payment_status = 'succeeded' THEN 'succeeded'
        WHEN payment_status = 'requires_payment_method' AND last_error_message IS NOT NULL THEN 'failed'
        WHEN payment_status IN ('requires_action', 'processing', 'requires_capture') THEN payment_status
        ELSE 'requires_payment_method'
    END
) VIRTUAL;
CREATE INDEX orders_by_display_status ON orders (display_status, created DESC, id DESC);
CREATE INDEX orders_by_payment_status ON orders (payment_status, updated);
-- What each applied event moved the order to, for the admin's timeline.
ALTER TABLE applied_events ADD COLUMN status_after TEXT;
CREATE INDEX applied_events_by_order ON applied_events (order_id, seq);

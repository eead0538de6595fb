-- Stripe contradicted a final status an event had given (the backend's re-fetch said otherwise): what it said,
-- for the admin's "needs attention".
ALTER TABLE orders ADD COLUMN disagreement TEXT;
CREATE INDEX orders_disagreed ON orders (updated) WHERE disagreement IS NOT NULL;

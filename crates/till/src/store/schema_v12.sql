-- How a card reader read the card of a card-present payment (contactless_emv, contact_emv, ...); none when typed.
ALTER TABLE orders ADD COLUMN card_read_method TEXT;

// A decline in words a customer understands, from Stripe's decline_code or error code.

const REASONS: Record<string, string> = {
  insufficient_funds: 'not enough funds',
  card_velocity_exceeded: 'the card’s spending limit was reached',
  withdrawal_count_limit_exceeded: 'the card’s spending limit was reached',
  expired_card: 'the card has expired',
  incorrect_cvc: 'the security code (CVC) is not right',
  invalid_cvc: 'the security code (CVC) is not right',
  incorrect_number: 'the card number is not right',
  invalid_number: 'the card number is not right',
  invalid_expiry_month: 'the expiry date is not right',
  invalid_expiry_year: 'the expiry date is not right',
  incorrect_zip: 'the postal code is not right',
  processing_error: 'the bank could not process it right now',
  lost_card: 'the bank did not accept it',
  stolen_card: 'the bank did not accept it',
  pickup_card: 'the bank did not accept it',
  fraudulent: 'the bank did not accept it',
  do_not_honor: 'the bank did not accept it',
  generic_decline: 'the bank did not accept it',
  card_declined: 'the bank did not accept it',
  card_not_supported: 'this type of card is not accepted',
  currency_not_supported: 'this card cannot pay in this currency',
  test_mode_live_card: 'a real card was used in test mode',
  authentication_required: 'the check with your bank was not completed',
  payment_intent_authentication_failure: 'the check with your bank was not completed',
};

/** "Your card was declined: not enough funds. Please try another card." */
export function customerDeclineMessage(code: string | null | undefined, _stripeMessage?: string): string {
  const reason = code ? REASONS[code] : undefined;
  if (code === 'processing_error') return 'Your card could not be processed: the bank could not process it right now. Please try again or use another card.';
  if (reason) return `Your card was declined: ${reason}. Please try another card.`;
  return 'Your card was declined. Please try another card.';
}

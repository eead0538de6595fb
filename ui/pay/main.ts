// The payment page's entry (GET /pay at the backend). See src/pay/page.ts.
import './pay.css';
import { readConfig, startPayPage } from '../src/pay/page';
import { getStripe } from '../src/stripe/stripe';

startPayPage(window, readConfig(document), getStripe);

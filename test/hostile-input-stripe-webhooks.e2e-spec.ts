import { hostileInputSuite } from './helpers/hostile-input';

hostileInputSuite(
  'Hostile input: property-based fuzz of the Stripe webhook endpoints (fast-check)',
  ['GET webhook-events', 'POST webhook-endpoints', 'POST webhook receiver'],
  false,
);

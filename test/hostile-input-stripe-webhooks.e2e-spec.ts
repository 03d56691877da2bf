import { hostileInputSuite } from './helpers/hostile-input';

hostileInputSuite(
  'Hostile input: property-based fuzz of the Stripe webhook endpoints (fast-check)',
  ['GET webhook-events', 'GET webhook-event', 'POST webhook-endpoints', 'POST webhook receiver'],
  false,
);

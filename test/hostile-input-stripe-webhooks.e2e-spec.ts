import { hostileInputSuite } from './helpers/hostile-input';

hostileInputSuite(
  'Hostile input: property-based fuzz of the Stripe webhook and integration-health endpoints (fast-check)',
  [
    'GET webhook-events',
    'GET webhook-event',
    'POST webhook-endpoints',
    'POST webhook receiver',
    'GET health',
    'POST health/refresh',
  ],
  false,
);

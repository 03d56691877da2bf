import { hostileInputSuite } from './helpers/hostile-input';

hostileInputSuite(
  'Hostile input: property-based fuzz of the Stripe configuration endpoints (fast-check)',
  ['PUT config', 'POST validate-credentials', 'GET config', 'DELETE config', 'GET webhook-urls', 'GET audit-log'],
  true,
);

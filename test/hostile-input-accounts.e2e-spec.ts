import { hostileInputSuite } from './helpers/hostile-input';

hostileInputSuite(
  'Hostile input: property-based fuzz of the auth and project endpoints (fast-check)',
  ['GET project', 'POST projects', 'GET projects', 'GET auth/me', 'POST auth/register', 'POST auth/login'],
  false,
);

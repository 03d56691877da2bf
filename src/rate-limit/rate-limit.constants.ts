/** Names of the throttlers (see RateLimitModule); each route opts into one group with a decorator. */
export const LOGIN_PER_EMAIL = 'login-per-email';
export const LOGIN_PER_IP = 'login-per-ip';
export const STRIPE_CALLS = 'stripe-calls';
/** Counted by SignUpRateLimiter itself, not by a guard. */
export const REGISTER_PER_IP = 'register-per-ip';

export type RateLimitGroup = 'login' | 'stripe-calls';
export const RATE_LIMIT_GROUP = 'rateLimitGroup';
/** Metadata of a login route (see LoginRateLimit): how to read the account a request logs in to. */
export const LOGIN_ACCOUNT_OF = 'rateLimitLoginAccountOf';

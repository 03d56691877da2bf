// The fake Stripe lives in scripts/stripe-local/ so that `npm run stripe:local` and the tests share
// one implementation; the tests keep importing it from here.
export * from '../../scripts/stripe-local/fake-stripe';
export * from '../../scripts/stripe-local/fake-stripe-objects';

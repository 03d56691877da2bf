import {
  buildModeChecks,
  CHECK_CODES,
  type HealthCheckView,
  type ModeHealthInput,
  publishableAccountsDiffer,
  worstStatus,
} from './health-report';

const NOW = new Date('2026-03-01T12:00:00Z');
const CHECKED = new Date('2026-03-01T11:00:00Z');
const EVENT = new Date('2026-03-01T11:30:00Z');
const noUnconfirmed = { total: 0, unknownToAccount: 0, clientAddresses: 0, clientAddressesExact: true };
const noFailures = {
  total: 0,
  byCause: { secret_mismatch: 0, clock_skew: 0, wrong_url_mode: 0 },
  lastFailureAt: null,
  unconfirmed: noUnconfirmed,
};

/** A mode with everything in order: keys stored and checked, endpoint found, events verified. */
function healthy(overrides: Partial<ModeHealthInput> = {}): ModeHealthInput {
  return {
    mode: 'test',
    now: NOW,
    configActive: true,
    secretKeyMasked: 'sk_test_...AbCd',
    secretKeyFingerprint: 'fp-1',
    publishableKeyMasked: 'pk_test_...EfGh',
    publishableOtherAccount: false,
    webhookSecretMasked: 'whsec_...IjKl',
    webhookUrl: 'https://api.example.test/api/v1/payments/stripe/webhooks/p/test',
    otherModeWebhookUrl: 'https://api.example.test/api/v1/payments/stripe/webhooks/p/live',
    stored: {
      keyFingerprint: 'fp-1',
      keyOutcome: 'valid',
      keyMessage: 'Stripe credentials are valid',
      keyCheckedAt: CHECKED,
      endpointCode: 'webhook_endpoint_ok',
      endpointStatus: 'ok',
      endpointMessage: 'The endpoint is enabled',
      endpointCheckedAt: CHECKED,
    },
    failures: noFailures,
    lastVerifiedEventAt: EVENT,
    ...overrides,
  };
}

const byCheck = (checks: HealthCheckView[]) => Object.fromEntries(checks.map((c) => [c.check, c]));
const codes = (input: ModeHealthInput) => buildModeChecks(input).map((c) => c.code);

describe('health report (pure)', () => {
  it('a healthy test mode: four checks in a fixed order, all ok, each with the check its code belongs to', () => {
    const checks = buildModeChecks(healthy());
    expect(checks.map((c) => [c.check, c.code, c.status])).toEqual([
      ['secret_key', 'secret_key_valid', 'ok'],
      ['publishable_key', 'publishable_key_ok', 'ok'],
      ['webhook_endpoint', 'webhook_endpoint_ok', 'ok'],
      ['webhook_deliveries', 'webhook_deliveries_ok', 'ok'],
    ]);
    for (const c of checks) expect(CHECK_CODES[c.code]).toBe(c.check);
    const { secret_key, webhook_deliveries } = byCheck(checks);
    expect(secret_key).toMatchObject({ message: 'Stripe credentials are valid', checked_at: CHECKED });
    expect(webhook_deliveries.details).toEqual({
      last_verified_event_at: EVENT.toISOString(),
      signature_failures_24h: 0,
      failures_by_cause: noFailures.byCause,
      last_failure_at: null,
      unconfirmed_failures_24h: 0,
      unconfirmed_unknown_to_account_24h: 0,
      unconfirmed_client_addresses_24h: 0,
      unconfirmed_client_addresses_exact: true,
    });
    expect(worstStatus(checks)).toBe('ok');
  });

  it('the live mode adds go_live: ready only with a valid key, a publishable key, an endpoint and a verified event', () => {
    const ready = byCheck(buildModeChecks(healthy({ mode: 'live' }))).go_live;
    expect(ready).toMatchObject({ code: 'go_live_ready', status: 'ok' });
    const notReady = byCheck(
      buildModeChecks(healthy({ mode: 'live', publishableKeyMasked: null, lastVerifiedEventAt: null })),
    ).go_live;
    expect(notReady).toMatchObject({
      code: 'go_live_not_ready',
      status: 'warning',
      message: 'Not ready for live payments: no live publishable key; no live event verified yet',
    });
  });

  it('a deactivated configuration is failing first, the other checks still follow', () => {
    const checks = buildModeChecks(healthy({ configActive: false }));
    expect(checks[0]).toMatchObject({ check: 'configuration', code: 'config_inactive', status: 'failing' });
    expect(checks).toHaveLength(5);
    expect(worstStatus(checks)).toBe('failing');
  });

  it('nothing stored: warnings and unknowns naming the fields to set, no key in any message', () => {
    const input = healthy({
      configActive: null,
      secretKeyMasked: null,
      secretKeyFingerprint: null,
      publishableKeyMasked: null,
      webhookSecretMasked: null,
      stored: null,
      lastVerifiedEventAt: null,
    });
    const checks = byCheck(buildModeChecks(input));
    expect(checks.secret_key).toMatchObject({
      code: 'secret_key_not_stored',
      status: 'warning',
      message: 'No test secret key is stored (test_secret_key)',
      checked_at: null,
    });
    expect(checks.publishable_key).toMatchObject({ code: 'publishable_key_not_stored', status: 'warning' });
    expect(checks.webhook_endpoint).toMatchObject({ code: 'webhook_endpoint_not_checked', status: 'unknown' });
    expect(checks.webhook_deliveries).toMatchObject({ code: 'webhook_secret_not_stored', status: 'warning' });
    expect(worstStatus(Object.values(checks))).toBe('warning');
  });

  it('a key changed since its last check is not checked (the old outcome is not shown), nor is the endpoint', () => {
    const input = healthy({ secretKeyFingerprint: 'fp-2' });
    const checks = byCheck(buildModeChecks(input));
    expect(checks.secret_key).toMatchObject({
      code: 'secret_key_not_checked',
      status: 'unknown',
      message:
        'The test secret key sk_test_...AbCd (test_secret_key) has changed since its last check and has not been checked again yet: POST health/refresh checks it now',
    });
    expect(checks.webhook_endpoint).toMatchObject({ code: 'webhook_endpoint_not_checked', status: 'unknown' });
  });

  it.each([
    ['invalid', 'secret_key_invalid', 'failing'],
    ['expired', 'secret_key_expired', 'failing'],
    ['missing_permission', 'secret_key_missing_permission', 'warning'],
    ['rate_limited', 'secret_key_rate_limited', 'unknown'],
    ['unreachable', 'secret_key_unreachable', 'unknown'],
  ] as const)('a stored key outcome %s is %s (%s)', (keyOutcome, code, status) => {
    const stored = { ...healthy().stored!, keyOutcome, keyMessage: 'what Stripe said' };
    expect(byCheck(buildModeChecks(healthy({ stored }))).secret_key).toMatchObject({
      code,
      status,
      message: 'what Stripe said',
    });
  });

  it('a stored endpoint code that is not a known one is reported as not checked', () => {
    const stored = { ...healthy().stored!, endpointCode: 'dropped_code' };
    expect(byCheck(buildModeChecks(healthy({ stored }))).webhook_endpoint.code).toBe('webhook_endpoint_not_checked');
  });

  it('refused deliveries: the most frequent cause names the check, the message says how many and what to do', () => {
    const failures = {
      total: 3,
      byCause: { secret_mismatch: 1, clock_skew: 0, wrong_url_mode: 2 },
      lastFailureAt: CHECKED,
      unconfirmed: noUnconfirmed,
    };
    const deliveries = byCheck(buildModeChecks(healthy({ failures }))).webhook_deliveries;
    expect(deliveries).toMatchObject({ code: 'webhook_wrong_url_mode', status: 'failing' });
    expect(deliveries.message).toBe(
      '3 test deliveries refused in the last 24 h, most likely because live-mode events arrive at the test URL: the endpoint is registered on the wrong URL; register the live-mode endpoint on https://api.example.test/api/v1/payments/stripe/webhooks/p/live',
    );
    expect(deliveries.details).toMatchObject({ signature_failures_24h: 3, last_failure_at: CHECKED.toISOString() });
    const one = {
      total: 1,
      byCause: { secret_mismatch: 0, clock_skew: 1, wrong_url_mode: 0 },
      lastFailureAt: CHECKED,
      unconfirmed: noUnconfirmed,
    };
    expect(byCheck(buildModeChecks(healthy({ failures: one }))).webhook_deliveries).toMatchObject({
      code: 'webhook_clock_skew',
      status: 'warning',
      message: expect.stringMatching(/^1 test delivery refused/),
    });
  });

  it('refusals Stripe did not confirm blame no setting: counted apart, with both readings of a 404', () => {
    const unconfirmed = { total: 40, unknownToAccount: 30, clientAddresses: 7, clientAddressesExact: true };
    const failures = { ...noFailures, unconfirmed };
    const alone = byCheck(buildModeChecks(healthy({ failures, lastVerifiedEventAt: null }))).webhook_deliveries;
    expect(alone).toMatchObject({ code: 'webhook_unconfirmed_refusals', status: 'unknown' });
    expect(alone.message).toMatch(
      /^40 test deliveries refused in the last 24 h, from 7 client addresses, were not confirmed/,
    );
    expect(alone.message).toContain(
      '30 are unknown to the Stripe account of test_secret_key: sent by someone other than Stripe, or by a webhook endpoint of another Stripe account',
    );
    expect(alone.message).toContain('10 could not be checked with Stripe');
    expect(alone.message).not.toMatch(/webhook secret does not match|clock skew/);
    expect(alone.details).toMatchObject({
      signature_failures_24h: 0,
      unconfirmed_failures_24h: 40,
      unconfirmed_unknown_to_account_24h: 30,
      unconfirmed_client_addresses_24h: 7,
      unconfirmed_client_addresses_exact: true,
    });
    // With Stripe's own deliveries verified, strangers' refusals leave the check ok.
    const verified = byCheck(buildModeChecks(healthy({ failures }))).webhook_deliveries;
    expect(verified).toMatchObject({ code: 'webhook_deliveries_ok', status: 'ok' });
    expect(verified.message).toContain('40 test deliveries refused');
    // Confirmed refusals still name their cause, whatever else was refused.
    const confirmed = { ...failures, total: 2, byCause: { secret_mismatch: 2, clock_skew: 0, wrong_url_mode: 0 } };
    expect(byCheck(buildModeChecks(healthy({ failures: confirmed }))).webhook_deliveries).toMatchObject({
      code: 'webhook_secret_mismatch',
      message: expect.stringMatching(/^2 test deliveries refused/),
    });
  });

  it('no event yet and no refusal: unknown, not ok', () => {
    expect(codes(healthy({ lastVerifiedEventAt: null }))).toContain('webhook_no_events');
  });

  it('a publishable key of another account is a warning naming both masked keys', () => {
    const check = byCheck(buildModeChecks(healthy({ publishableOtherAccount: true }))).publishable_key;
    expect(check).toMatchObject({ code: 'publishable_key_other_account', status: 'warning' });
    expect(check.message).toContain('pk_test_...EfGh');
    expect(check.message).toContain('sk_test_...AbCd');
  });

  describe('publishableAccountsDiffer', () => {
    it('compares the accounts stored with both keys; reports nothing when either is not known', () => {
      expect(publishableAccountsDiffer('1AAAAAAAAAAAAAAA', '1AAAAAAAAAAAAAAA')).toBe(false);
      expect(publishableAccountsDiffer('1AAAAAAAAAAAAAAA', '1BBBBBBBBBBBBBBB')).toBe(true);
      expect(publishableAccountsDiffer(null, '1BBBBBBBBBBBBBBB')).toBe(false);
      expect(publishableAccountsDiffer('1AAAAAAAAAAAAAAA', null)).toBe(false);
      expect(publishableAccountsDiffer(null, null)).toBe(false);
    });
  });

  it('worstStatus orders failing > warning > unknown > ok, and is ok for no checks', () => {
    const of = (...statuses: HealthCheckView['status'][]) =>
      worstStatus(statuses.map((status) => ({ status }) as HealthCheckView));
    expect(of()).toBe('ok');
    expect(of('ok', 'unknown')).toBe('unknown');
    expect(of('unknown', 'warning', 'ok')).toBe('warning');
    expect(of('warning', 'failing', 'unknown')).toBe('failing');
  });
});

import type { StripeMode } from '../stripe/stripe-keys';
import type { FailureCounts, WebhookFailureCause } from '../stripe-webhooks/webhook-failures';

export const CHECK_STATUSES = ['ok', 'warning', 'failing', 'unknown'] as const;
export type CheckStatus = (typeof CHECK_STATUSES)[number];

/** The outcomes of a key check: the same as validate-credentials'. */
export const KEY_OUTCOMES = [
  'valid',
  'invalid',
  'expired',
  'missing_permission',
  'rate_limited',
  'unreachable',
] as const;
export type KeyOutcome = (typeof KEY_OUTCOMES)[number];

export const CHECK_NAMES = [
  'configuration',
  'secret_key',
  'publishable_key',
  'webhook_endpoint',
  'webhook_deliveries',
  'go_live',
  'ledger',
] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

/** Every machine code a check can carry, with the check it belongs to. */
export const CHECK_CODES = {
  config_inactive: 'configuration',
  secret_key_valid: 'secret_key',
  secret_key_invalid: 'secret_key',
  secret_key_expired: 'secret_key',
  secret_key_missing_permission: 'secret_key',
  secret_key_rate_limited: 'secret_key',
  secret_key_unreachable: 'secret_key',
  secret_key_not_stored: 'secret_key',
  secret_key_not_checked: 'secret_key',
  publishable_key_ok: 'publishable_key',
  publishable_key_not_stored: 'publishable_key',
  publishable_key_other_account: 'publishable_key',
  webhook_endpoint_ok: 'webhook_endpoint',
  webhook_endpoint_missing: 'webhook_endpoint',
  webhook_endpoint_wrong_url: 'webhook_endpoint',
  webhook_endpoint_disabled: 'webhook_endpoint',
  webhook_endpoint_missing_events: 'webhook_endpoint',
  webhook_endpoint_not_checked: 'webhook_endpoint',
  webhook_deliveries_ok: 'webhook_deliveries',
  webhook_no_events: 'webhook_deliveries',
  webhook_secret_not_stored: 'webhook_deliveries',
  webhook_secret_mismatch: 'webhook_deliveries',
  webhook_clock_skew: 'webhook_deliveries',
  webhook_wrong_url_mode: 'webhook_deliveries',
  webhook_unconfirmed_refusals: 'webhook_deliveries',
  go_live_ready: 'go_live',
  go_live_not_ready: 'go_live',
  ledger_ok: 'ledger',
  ledger_unprojectable_events: 'ledger',
} as const satisfies Record<string, CheckName>;
export type CheckCode = keyof typeof CHECK_CODES;

export interface HealthCheckView {
  check: CheckName;
  code: CheckCode;
  status: CheckStatus;
  message: string;
  checked_at: Date | null;
  details?: Record<string, unknown>;
}

/** Everything the report of one mode is built from; masked forms only, never a key. */
export interface ModeHealthInput {
  mode: StripeMode;
  now: Date;
  /** null: the project has no configuration. */
  configActive: boolean | null;
  secretKeyMasked: string | null;
  /** The stored secret key's fingerprint (compared with the one last checked). */
  secretKeyFingerprint: string | null;
  publishableKeyMasked: string | null;
  /** The publishable key belongs to another account than the secret key (see publishableAccountsDiffer). */
  publishableOtherAccount: boolean;
  webhookSecretMasked: string | null;
  webhookUrl: string;
  otherModeWebhookUrl: string;
  stored: {
    keyFingerprint: string | null;
    keyOutcome: KeyOutcome | null;
    keyMessage: string | null;
    keyCheckedAt: Date | null;
    endpointCode: string | null;
    endpointStatus: CheckStatus | null;
    endpointMessage: string | null;
    endpointCheckedAt: Date | null;
  } | null;
  /** Refusals of the last 24 h: those Stripe confirmed as its own (by cause), and the others. */
  failures: FailureCounts;
  lastVerifiedEventAt: Date | null;
  /** Stored events of the mode the payments ledger could not read (absent: not reported). */
  ledger?: {
    unprojectable: number;
    lastEventId: string;
    lastEventType: string;
    lastReason: string;
    lastAt: Date;
  } | null;
}

const TOLERANCE_NOTE = 'more than 300 s away';

const KEY_STATUS: Record<KeyOutcome, { code: CheckCode; status: CheckStatus }> = {
  valid: { code: 'secret_key_valid', status: 'ok' },
  invalid: { code: 'secret_key_invalid', status: 'failing' },
  expired: { code: 'secret_key_expired', status: 'failing' },
  missing_permission: { code: 'secret_key_missing_permission', status: 'warning' },
  rate_limited: { code: 'secret_key_rate_limited', status: 'unknown' },
  unreachable: { code: 'secret_key_unreachable', status: 'unknown' },
};

/**
 * The Stripe accounts the stored secret and publishable keys embed (stripeAccountOfKey, stored with
 * each key) differ. Both must be known to be compared; a key of another shape cannot be told apart,
 * and is not reported. A heuristic, hence a warning at most.
 */
export function publishableAccountsDiffer(secretAccount: string | null, publishableAccount: string | null): boolean {
  return secretAccount !== null && publishableAccount !== null && secretAccount !== publishableAccount;
}

function check(
  code: CheckCode,
  status: CheckStatus,
  message: string,
  checkedAt: Date | null,
  details?: Record<string, unknown>,
): HealthCheckView {
  return { check: CHECK_CODES[code], code, status, message, checked_at: checkedAt, ...(details ? { details } : {}) };
}

/** The secret key's stored outcome counts only while the key stored is the one that was checked. */
function currentKeyOutcome(input: ModeHealthInput): KeyOutcome | null {
  const s = input.stored;
  if (!s || !s.keyOutcome || !input.secretKeyFingerprint) return null;
  return s.keyFingerprint === input.secretKeyFingerprint ? s.keyOutcome : null;
}

function secretKeyCheck(input: ModeHealthInput): HealthCheckView {
  const field = `${input.mode}_secret_key`;
  if (!input.secretKeyMasked) {
    return check('secret_key_not_stored', 'warning', `No ${input.mode} secret key is stored (${field})`, null);
  }
  const outcome = currentKeyOutcome(input);
  if (!outcome) {
    const changed = input.stored?.keyOutcome
      ? 'changed since its last check and has not been checked again yet'
      : 'not been checked yet';
    return check(
      'secret_key_not_checked',
      'unknown',
      `The ${input.mode} secret key ${input.secretKeyMasked} (${field}) has ${changed}: POST health/refresh checks it now`,
      null,
    );
  }
  const { code, status } = KEY_STATUS[outcome];
  return check(code, status, input.stored!.keyMessage ?? outcome, input.stored!.keyCheckedAt);
}

function publishableKeyCheck(input: ModeHealthInput): HealthCheckView {
  const field = `${input.mode}_publishable_key`;
  if (!input.publishableKeyMasked) {
    return check(
      'publishable_key_not_stored',
      'warning',
      `No ${input.mode} publishable key is stored (${field}): Stripe.js and Checkout in the browser need it`,
      input.now,
    );
  }
  if (input.publishableOtherAccount) {
    return check(
      'publishable_key_other_account',
      'warning',
      `The ${input.mode} publishable key ${input.publishableKeyMasked} (${field}) appears to belong to another Stripe account than the secret key ${input.secretKeyMasked}`,
      input.now,
    );
  }
  return check(
    'publishable_key_ok',
    'ok',
    `The ${input.mode} publishable key ${input.publishableKeyMasked} (${field}) is stored and is a ${input.mode}-mode key`,
    input.now,
  );
}

function webhookEndpointCheck(input: ModeHealthInput): HealthCheckView {
  if (!input.secretKeyMasked) {
    return check(
      'webhook_endpoint_not_checked',
      'unknown',
      `The ${input.mode} webhook endpoint cannot be looked up in Stripe without a ${input.mode} secret key (${input.mode}_secret_key)`,
      null,
    );
  }
  const s = input.stored;
  if (!s || !s.endpointCode || !currentKeyOutcome(input) || !(s.endpointCode in CHECK_CODES)) {
    return check(
      'webhook_endpoint_not_checked',
      'unknown',
      `The ${input.mode} webhook endpoint has not been looked up in Stripe with the stored key yet: POST health/refresh does it now`,
      null,
    );
  }
  return check(
    s.endpointCode as CheckCode,
    s.endpointStatus ?? 'unknown',
    s.endpointMessage ?? '',
    s.endpointCheckedAt,
  );
}

const CAUSE_CHECKS: Record<WebhookFailureCause, { code: CheckCode; status: CheckStatus }> = {
  secret_mismatch: { code: 'webhook_secret_mismatch', status: 'failing' },
  clock_skew: { code: 'webhook_clock_skew', status: 'warning' },
  wrong_url_mode: { code: 'webhook_wrong_url_mode', status: 'failing' },
};

function causeMessage(input: ModeHealthInput, cause: WebhookFailureCause): string {
  const other = input.mode === 'test' ? 'live' : 'test';
  switch (cause) {
    case 'secret_mismatch':
      return `the stored webhook secret does not match the endpoint sending events: ${input.mode}_webhook_secret (${input.webhookSecretMasked ?? 'none'}) is not the signing secret of the endpoint that delivers to ${input.webhookUrl}; copy that endpoint's signing secret from Stripe`;
    case 'clock_skew':
      return `signed timestamps ${TOLERANCE_NOTE}: clock skew between Stripe and this server (check NTP), or deliveries replayed late`;
    case 'wrong_url_mode':
      return `${other}-mode events arrive at the ${input.mode} URL: the endpoint is registered on the wrong URL; register the ${other}-mode endpoint on ${input.otherModeWebhookUrl}`;
  }
}

/**
 * Refusals Stripe did not confirm as its own deliveries blame no setting: anyone can POST to the URL.
 * Said as counts, the two possibilities of a 404, and the reasons a refusal can stay unchecked.
 */
function unconfirmedNote(input: ModeHealthInput): string {
  const u = input.failures.unconfirmed;
  const addresses = `${u.clientAddressesExact ? '' : 'about '}${u.clientAddresses} client address${u.clientAddresses === 1 ? '' : 'es'}`;
  const parts: string[] = [];
  if (u.unknownToAccount > 0) {
    parts.push(
      `${u.unknownToAccount} ${u.unknownToAccount === 1 ? 'is' : 'are'} unknown to the Stripe account of ${input.mode}_secret_key: sent by someone other than Stripe, or by a webhook endpoint of another Stripe account registered on ${input.webhookUrl}`,
    );
  }
  const unchecked = u.total - u.unknownToAccount;
  if (unchecked > 0) {
    parts.push(
      `${unchecked} could not be checked with Stripe (no event id, no ${input.mode} secret key stored, a restricted key without permission to read events, Stripe did not answer, or the project's confirmations per minute were used up)`,
    );
  }
  return `${u.total} ${input.mode} deliver${u.total === 1 ? 'y' : 'ies'} refused in the last 24 h, from ${addresses}, were not confirmed by Stripe as sent by this project's account, so they say nothing about this setup: ${parts.join('; ')}`;
}

function webhookDeliveriesCheck(input: ModeHealthInput): HealthCheckView {
  const u = input.failures.unconfirmed;
  const details = {
    last_verified_event_at: input.lastVerifiedEventAt?.toISOString() ?? null,
    signature_failures_24h: input.failures.total,
    failures_by_cause: input.failures.byCause,
    last_failure_at: input.failures.lastFailureAt?.toISOString() ?? null,
    unconfirmed_failures_24h: u.total,
    unconfirmed_unknown_to_account_24h: u.unknownToAccount,
    unconfirmed_client_addresses_24h: u.clientAddresses,
    unconfirmed_client_addresses_exact: u.clientAddressesExact,
  };
  if (input.failures.total > 0) {
    const causes = Object.entries(input.failures.byCause) as [WebhookFailureCause, number][];
    const [cause] = causes.reduce((best, next) => (next[1] > best[1] ? next : best));
    const { code, status } = CAUSE_CHECKS[cause];
    const count = input.failures.total;
    return check(
      code,
      status,
      `${count} ${input.mode} deliver${count === 1 ? 'y' : 'ies'} refused in the last 24 h, most likely because ${causeMessage(input, cause)}`,
      input.now,
      details,
    );
  }
  if (!input.webhookSecretMasked) {
    return check(
      'webhook_secret_not_stored',
      'warning',
      `No ${input.mode} webhook secret is stored (${input.mode}_webhook_secret): deliveries to ${input.webhookUrl} cannot be verified and are refused`,
      input.now,
      details,
    );
  }
  if (input.lastVerifiedEventAt) {
    // Stripe's deliveries are verified: refusals it did not confirm are someone else's, not a fault.
    const others = u.total > 0 ? `; ${unconfirmedNote(input)}` : '';
    return check(
      'webhook_deliveries_ok',
      'ok',
      `Last ${input.mode} event verified at ${input.lastVerifiedEventAt.toISOString()}; no delivery Stripe sent was refused in the last 24 h${others}`,
      input.now,
      details,
    );
  }
  if (u.total > 0) {
    return check('webhook_unconfirmed_refusals', 'unknown', unconfirmedNote(input), input.now, details);
  }
  return check(
    'webhook_no_events',
    'unknown',
    `No ${input.mode} event has been verified yet, and no delivery was refused in the last 24 h`,
    input.now,
    details,
  );
}

function goLiveCheck(input: ModeHealthInput, keyCheck: HealthCheckView, endpoint: HealthCheckView): HealthCheckView {
  const missing: string[] = [];
  if (keyCheck.code !== 'secret_key_valid') missing.push('the live secret key is not known to be valid');
  if (!input.publishableKeyMasked) missing.push('no live publishable key');
  if (endpoint.code !== 'webhook_endpoint_ok' && endpoint.code !== 'webhook_endpoint_missing_events')
    missing.push('no enabled live webhook endpoint');
  if (!input.lastVerifiedEventAt) missing.push('no live event verified yet');
  if (missing.length === 0) {
    return check(
      'go_live_ready',
      'ok',
      'Ready for live payments: live keys valid, live endpoint enabled, live events verified',
      input.now,
    );
  }
  return check('go_live_not_ready', 'warning', `Not ready for live payments: ${missing.join('; ')}`, input.now);
}

function ledgerCheck(input: ModeHealthInput): HealthCheckView {
  const ledger = input.ledger;
  if (!ledger || ledger.unprojectable === 0) {
    return check(
      'ledger_ok',
      'ok',
      `Every stored ${input.mode} event the payments ledger reads was projected`,
      input.now,
      { unprojectable_events: 0 },
    );
  }
  const n = ledger.unprojectable;
  return check(
    'ledger_unprojectable_events',
    'warning',
    `${n} stored ${input.mode} event${n === 1 ? '' : 's'} could not be read by the payments ledger (stored and answered 200, no effect on subscriptions or payments); last: ${ledger.lastEventType} ${ledger.lastEventId}: ${ledger.lastReason}`,
    input.now,
    {
      unprojectable_events: n,
      last_event_id: ledger.lastEventId,
      last_event_type: ledger.lastEventType,
      last_reason: ledger.lastReason,
      last_at: ledger.lastAt.toISOString(),
    },
  );
}

/** The checks of one mode, in a fixed order. */
export function buildModeChecks(input: ModeHealthInput): HealthCheckView[] {
  const checks: HealthCheckView[] = [];
  if (input.configActive === false) {
    checks.push(
      check(
        'config_inactive',
        'failing',
        'The Stripe configuration is deactivated: deliveries are refused and keys are not checked; PUT config reactivates it',
        input.now,
      ),
    );
  }
  const keyCheck = secretKeyCheck(input);
  const endpoint = webhookEndpointCheck(input);
  checks.push(keyCheck, publishableKeyCheck(input), endpoint, webhookDeliveriesCheck(input));
  if (input.ledger !== undefined) checks.push(ledgerCheck(input));
  if (input.mode === 'live') checks.push(goLiveCheck(input, keyCheck, endpoint));
  return checks;
}

const SEVERITY: Record<CheckStatus, number> = { ok: 0, unknown: 1, warning: 2, failing: 3 };

/** The worst status of a list of checks. */
export function worstStatus(checks: HealthCheckView[]): CheckStatus {
  return checks.reduce<CheckStatus>((worst, c) => (SEVERITY[c.status] > SEVERITY[worst] ? c.status : worst), 'ok');
}

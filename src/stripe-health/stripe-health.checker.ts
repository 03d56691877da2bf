import { Injectable, Logger } from '@nestjs/common';
import { EXAMPLE_CREDENTIAL_MESSAGE, isExampleCredential } from '../stripe-config/example-credentials';
import { ListedWebhookEndpoint, StripeApiClient, StripeCallError } from '../stripe/stripe-api.client';
import type { StripeConfig } from '../stripe-config/stripe-config.entity';
import { StripeConfigService } from '../stripe-config/stripe-config.service';
import type { StripeMode } from '../stripe/stripe-keys';
import { StripeConfigCredentials } from '../stripe-config/stripe-config-credentials';
import { WEBHOOK_EVENTS } from '../stripe-webhooks/webhook-endpoints.service';
import type { CheckStatus, KeyOutcome } from './health-report';
import type { CheckResult } from './stripe-health.repository';

/** What a failed key check means, in validate-credentials' terms (messages carry masked forms only). */
function keyOutcomeOf(error: StripeCallError): KeyOutcome {
  switch (error.kind) {
    case 'invalid_key':
      return 'invalid';
    case 'expired_key':
      return 'expired';
    case 'permission':
      return 'missing_permission';
    case 'rate_limited':
      return 'rate_limited';
    default:
      return 'unreachable';
  }
}

function keyMessage(mode: StripeMode, masked: string, outcome: KeyOutcome, error?: StripeCallError): string {
  const key = `The ${mode} secret key ${masked} (${mode}_secret_key)`;
  switch (outcome) {
    case 'valid':
      return `${key} is valid: Stripe accepted it`;
    case 'invalid':
      return `${key} is rejected by Stripe as invalid (rolled or deleted in the dashboard?): store the current key`;
    case 'expired':
      return `${key} has expired (rolled in the dashboard with an expiry): store the new key`;
    case 'missing_permission':
      return `${key} is a restricted key missing a permission${error?.details.permission ? ` (${error.details.permission})` : ''}`;
    case 'rate_limited':
      return `${key} could not be checked: Stripe rate-limited the check; it is tried again at the next check`;
    case 'unreachable':
      return `${key} could not be checked: ${error?.message ?? 'Stripe could not be reached'}`;
  }
}

/** Same URL for Stripe's purpose: scheme and host case-insensitive, no trailing slash. */
function sameUrl(a: string, b: string): boolean {
  const normal = (u: string) => {
    try {
      const url = new URL(u);
      return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}${url.search}`.toLowerCase();
    } catch {
      return u.toLowerCase();
    }
  };
  return normal(a) === normal(b);
}

type EndpointFinding = CheckResult['endpoint'];

/** How the endpoints of the key's account serve the project's URL of the mode. */
function evaluateEndpoints(
  mode: StripeMode,
  endpoints: ListedWebhookEndpoint[],
  url: string,
  otherModeUrl: string,
): EndpointFinding {
  const finding = (code: string, status: CheckStatus, message: string) => ({ code, status, message });
  const forUrl = endpoints.filter((e) => sameUrl(e.url, url));
  if (forUrl.length === 0) {
    const misplaced = endpoints.find((e) => sameUrl(e.url, otherModeUrl));
    if (misplaced) {
      return finding(
        'webhook_endpoint_wrong_url',
        'failing',
        `The ${mode}-mode Stripe account has an endpoint (${misplaced.id}) on this project's ${mode === 'test' ? 'live' : 'test'} URL and none on its ${mode} URL ${url}: the endpoint is registered on the wrong URL`,
      );
    }
    return finding(
      'webhook_endpoint_missing',
      'failing',
      `No webhook endpoint of the ${mode}-mode Stripe account delivers to ${url}: create it (POST webhook-endpoints) or add it in the dashboard`,
    );
  }
  const enabled = forUrl.filter((e) => e.status === 'enabled');
  if (enabled.length === 0) {
    return finding(
      'webhook_endpoint_disabled',
      'failing',
      `The ${mode} webhook endpoint ${forUrl[0].id} for ${url} is disabled in Stripe (by hand, or by Stripe after repeated failed deliveries): enable it in the dashboard`,
    );
  }
  const best = enabled
    .map((e) => ({
      endpoint: e,
      missing: e.enabledEvents.includes('*') ? [] : WEBHOOK_EVENTS.filter((t) => !e.enabledEvents.includes(t)),
    }))
    .sort((a, b) => a.missing.length - b.missing.length)[0];
  if (best.missing.length > 0) {
    return finding(
      'webhook_endpoint_missing_events',
      'warning',
      `The ${mode} webhook endpoint ${best.endpoint.id} for ${url} is enabled but does not listen to: ${best.missing.join(', ')}`,
    );
  }
  return finding(
    'webhook_endpoint_ok',
    'ok',
    `The ${mode} webhook endpoint ${best.endpoint.id} is enabled for ${url} and listens to the ${WEBHOOK_EVENTS.length} events the service needs`,
  );
}

/**
 * Checks one mode of a project against Stripe with its stored secret key: the key itself (one balance
 * read, as validate-credentials does), then its account's webhook endpoints (one list). The key is
 * decrypted here only, for the calls; what is returned holds outcomes and masked forms only.
 */
@Injectable()
export class StripeHealthChecker {
  private readonly logger = new Logger('StripeHealth');

  constructor(
    private readonly stripe: StripeApiClient,
    private readonly stripeConfig: StripeConfigService,
    private readonly credentials: StripeConfigCredentials,
  ) {}

  /** null when the mode has no stored secret key (nothing to check). */
  async check(config: StripeConfig, mode: StripeMode): Promise<CheckResult | null> {
    const masked = (mode === 'test' ? config.testSecretKeyMasked : config.liveSecretKeyMasked) ?? '';
    const secretKey = this.credentials.reveal(config, `${mode}_secret_key`);
    const fingerprint = config[`${mode}SecretKeyFingerprint`];
    if (!secretKey || !fingerprint) return null;
    // The keys are decrypted for this check anyway: rows stored before key accounts were kept get them now.
    await this.stripeConfig.recordKeyAccounts(config, mode);

    let outcome: KeyOutcome = 'valid';
    let failure: StripeCallError | undefined;
    const example = isExampleCredential(secretKey);
    // The documentation's example key is never sent to Stripe (as in validate-credentials): invalid.
    if (example) outcome = 'invalid';
    else {
      try {
        await this.stripe.checkSecretKey(secretKey);
      } catch (error) {
        if (!(error instanceof StripeCallError)) throw error;
        failure = error;
        outcome = keyOutcomeOf(error);
      }
    }
    const endpoint = await this.checkEndpoints(config.projectId, mode, secretKey, outcome);
    this.logger.log(
      `Checked project ${config.projectId} (${mode}): secret key ${masked} ${outcome}, webhook endpoint ${endpoint.code}`,
    );
    return {
      keyFingerprint: fingerprint,
      keyOutcome: outcome,
      keyMessage: example
        ? `The ${mode} secret key ${masked} (${mode}_secret_key) ${EXAMPLE_CREDENTIAL_MESSAGE}`
        : keyMessage(mode, masked, outcome, failure),
      endpoint,
    };
  }

  private async checkEndpoints(
    projectId: string,
    mode: StripeMode,
    secretKey: string,
    keyOutcome: KeyOutcome,
  ): Promise<EndpointFinding> {
    const notChecked = (why: string): EndpointFinding => ({
      code: 'webhook_endpoint_not_checked',
      status: 'unknown',
      message: `The ${mode} webhook endpoint could not be looked up in Stripe: ${why}`,
    });
    // A restricted key without the balance permission may still read webhook endpoints.
    if (keyOutcome !== 'valid' && keyOutcome !== 'missing_permission') {
      return notChecked(`the ${mode} secret key check ended as ${keyOutcome.replace('_', ' ')}`);
    }
    const urls = this.stripeConfig.webhookUrls(projectId);
    const [url, otherUrl] =
      mode === 'test' ? [urls.test_webhook_url, urls.live_webhook_url] : [urls.live_webhook_url, urls.test_webhook_url];
    try {
      return evaluateEndpoints(mode, await this.stripe.listWebhookEndpoints(secretKey), url, otherUrl);
    } catch (error) {
      if (!(error instanceof StripeCallError)) throw error;
      return notChecked(
        error.kind === 'permission'
          ? `the key may not read webhook endpoints${error.details.permission ? ` (missing ${error.details.permission})` : ''}`
          : error.message,
      );
    }
  }
}

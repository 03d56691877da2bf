import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { auditEntry, AuditActor } from '../audit/audit-log.repository';
import { CredentialDecryptionError } from '../credentials/credential-cipher';
import {
  CREDENTIAL_FIELDS,
  CREDENTIAL_RULES,
  isSecretKeyShape,
  modeOfKey,
  StripeMode,
  stripeAccountOfKey,
} from '../stripe/stripe-keys';
import { UnprocessableEntityError } from '../http/unprocessable-entity.error';
import { IfMatch, ifMatchVersions, PreconditionFailedError } from '../http/etag';
import { webhookUrlsConfig, type WebhookUrlsConfig } from '../stripe/webhook-urls.config';
import { StripeConfigRequest, StripeConfigResponse, StripeWebhookUrlsResponse } from './dto/stripe-config.dto';
import { ValidateStripeCredentialsRequest, ValidateStripeCredentialsResponse } from './dto/validate-credentials.dto';
import { StripeApiClient, StripeCallError, throwIfStripeUnavailable } from '../stripe/stripe-api.client';
import { toStripeConfigResponse } from './stripe-config.mapper';
import { EXAMPLE_CREDENTIAL_MESSAGE, isExampleCredential } from './example-credentials';
import { StripeConfigCredentials } from './stripe-config-credentials';
import { KeyAccount, StripeConfigRepository } from './stripe-config.repository';
import { CREDENTIAL_COLUMNS, StripeConfig } from './stripe-config.entity';
import { webhookReceiverUrl } from '../stripe/webhook-urls';

/** What DELETE config did about the webhook endpoints this service had created in Stripe. */
export interface WebhookEndpointCleanup {
  mode: StripeMode;
  /** null: not known (e.g. the endpoints could not be listed). */
  endpointId: string | null;
  removed: boolean;
  /** Why Stripe could not remove it (safe to show). */
  error?: string;
}

/** `test=removed we_...`, `live=failed we_... (reason)`: the Stripe-Webhook-Endpoint-Cleanup header of DELETE config. */
export function describeCleanups(cleanups: WebhookEndpointCleanup[]): string {
  return cleanups
    .map(
      (c) =>
        `${c.mode}=${c.removed ? 'removed' : 'failed'}${c.endpointId ? ` ${c.endpointId}` : ''}${c.error ? ` (${c.error})` : ''}`,
    )
    .join(', ');
}

/**
 * Called after a configuration was deactivated, with the row as it was before. What it reports goes
 * into DELETE config's Stripe-Webhook-Endpoint-Cleanup header; it reports Stripe failures, it does
 * not throw them. stripe-webhooks registers the removal of its endpoints here (onDeactivated), so
 * that stripe-config never imports stripe-webhooks.
 */
export type DeactivationListener = (config: StripeConfig) => Promise<WebhookEndpointCleanup[]>;

/** A response with the version it was built from (sent as the ETag). */
export interface Versioned<T> {
  body: T;
  version: number;
}

@Injectable()
export class StripeConfigService {
  private readonly deactivationListeners: DeactivationListener[] = [];

  constructor(
    private readonly repository: StripeConfigRepository,
    private readonly credentials: StripeConfigCredentials,
    private readonly stripe: StripeApiClient,
    @Inject(webhookUrlsConfig.KEY) private readonly urls: WebhookUrlsConfig,
  ) {}

  /**
   * Creates or partially updates the config: omitted/null fields keep their stored value. With
   * `ifMatch`, applies only when the locked row is still at one of the given versions (else 412,
   * nothing written). Records an audit entry (field names only) in the same statement.
   */
  async upsert(
    projectId: string,
    input: StripeConfigRequest,
    actor: AuditActor,
    ifMatch?: IfMatch,
  ): Promise<Versioned<StripeConfigResponse>> {
    const provided = CREDENTIAL_FIELDS.filter((field) => typeof input[field] === 'string');
    if (provided.length === 0) {
      throw UnprocessableEntityError.single(['body'], 'At least one Stripe credential must be provided', 'value_error');
    }
    // Encrypt before the statement: keeps the row lock short.
    const encrypted = provided.map((field) => this.credentials.seal(projectId, field, input[field] as string));
    const modes = new Set(provided.map((field) => CREDENTIAL_RULES[field].mode));
    const result = await this.repository.writeCredentials(
      projectId,
      encrypted,
      { test: modes.has('test'), live: modes.has('live') },
      ifMatchVersions(ifMatch),
      auditEntry(actor, provided),
    );
    if (result.outcome === 'precondition-failed') throw new PreconditionFailedError(result.currentVersion);
    return { body: toStripeConfigResponse(result.view), version: result.view.version };
  }

  /**
   * Deactivates the config (audited in the same statement), then lets the listeners act on it (the
   * removal from Stripe of the webhook endpoints this service created). A Stripe failure there does
   * not undo the deactivation: it is reported.
   */
  async deactivate(projectId: string, actor: AuditActor, ifMatch?: IfMatch): Promise<WebhookEndpointCleanup[]> {
    const config = await this.repository.findByProjectId(projectId);
    const result = await this.repository.deactivate(
      projectId,
      ifMatchVersions(ifMatch),
      auditEntry(actor, ['is_active']),
    );
    if (result.outcome === 'precondition-failed') throw new PreconditionFailedError(result.currentVersion);
    if (result.outcome === 'not-found') throw new NotFoundException('Stripe configuration not found');
    if (config === null) return []; // created just now, by a concurrent first PUT: nothing to clean up
    const reports = await Promise.all(this.deactivationListeners.map((listener) => listener(config)));
    return reports.flat();
  }

  /** Registers what runs after each deactivation (see DeactivationListener). */
  onDeactivated(listener: DeactivationListener): void {
    this.deactivationListeners.push(listener);
  }

  /**
   * Stores the signing secret Stripe returned for the webhook endpoint it created, with the endpoint's
   * id, as an audited update of the configuration. Returns the masked secret, or null when the project
   * has no configuration (nothing stored).
   */
  async storeWebhookSecret(
    projectId: string,
    mode: StripeMode,
    endpointId: string,
    secret: string,
    actor: AuditActor,
  ): Promise<string | null> {
    const field = `${mode}_webhook_secret` as const;
    const sealed = this.credentials.seal(projectId, field, secret);
    const stored = await this.repository.storeWebhookSecret(
      projectId,
      mode,
      endpointId,
      sealed,
      auditEntry(actor, [field]),
    );
    return stored ? sealed.masked : null;
  }

  /**
   * After a check of the mode's secret key (which decrypted it): stores the Stripe account of the
   * mode's secret and publishable keys where the row has none yet (rows written before accounts were
   * kept). The health report compares the stored accounts without decrypting.
   */
  async recordKeyAccounts(config: StripeConfig, mode: StripeMode): Promise<void> {
    const accounts: KeyAccount[] = [];
    for (const field of [`${mode}_secret_key`, `${mode}_publishable_key`] as const) {
      const columns = CREDENTIAL_COLUMNS[field];
      const fingerprint = config[columns.fingerprint.property];
      if (!fingerprint || config[columns.account!.property] !== null) continue;
      let key: string | null;
      try {
        key = this.credentials.reveal(config, field);
      } catch (error) {
        if (error instanceof CredentialDecryptionError) continue; // reported by the checks that need the key
        throw error;
      }
      const account = key === null ? undefined : stripeAccountOfKey(key);
      if (account) accounts.push({ field, fingerprint, account });
    }
    if (accounts.length > 0) await this.repository.setKeyAccounts(config.projectId, accounts);
  }

  /** The URL Stripe delivers a mode's events of the project to. */
  webhookUrl(projectId: string, mode: StripeMode): string {
    return this.webhookUrls(projectId)[mode === 'test' ? 'test_webhook_url' : 'live_webhook_url'];
  }

  webhookUrls(projectId: string): StripeWebhookUrlsResponse {
    const base = this.urls.publicBaseUrl;
    return {
      test_webhook_url: webhookReceiverUrl(base, projectId, 'test'),
      live_webhook_url: webhookReceiverUrl(base, projectId, 'live'),
    };
  }

  /** Checks a secret or restricted key with one call to Stripe (nothing is stored). */
  async validateCredentials(input: ValidateStripeCredentialsRequest): Promise<ValidateStripeCredentialsResponse> {
    const expectedMode: StripeMode = input.is_test_mode === false ? 'live' : 'test';
    const key = input.secret_key;
    if (!isSecretKeyShape(key)) {
      return {
        valid: false,
        message:
          'Not a Stripe secret key: expected sk_test_, rk_test_, sk_live_ or rk_live_ followed by at least 8 letters or digits',
      };
    }
    if (isExampleCredential(key)) return { valid: false, message: `secret_key ${EXAMPLE_CREDENTIAL_MESSAGE}` };
    const keyMode = modeOfKey(key);
    if (keyMode !== expectedMode) {
      return {
        valid: false,
        message: `This is a ${keyMode}-mode key, but is_test_mode is ${String(expectedMode === 'test')}: use a ${expectedMode}-mode key`,
      };
    }
    try {
      await this.stripe.checkSecretKey(key);
      return { valid: true, message: 'Stripe credentials are valid' };
    } catch (error) {
      if (!(error instanceof StripeCallError)) throw error;
      return this.describeCheckFailure(error);
    }
  }

  /** valid:false for what the key's owner can fix; 502/504 when Stripe itself could not answer. */
  private describeCheckFailure(error: StripeCallError): ValidateStripeCredentialsResponse {
    throwIfStripeUnavailable(error);
    switch (error.kind) {
      case 'invalid_key':
      case 'expired_key':
        // The issue's wording: "invalid API key", or "the API key has expired".
        return { valid: false, message: error.message };
      case 'permission':
        return {
          valid: false,
          message: error.details.permission
            ? `The restricted key is missing the permission ${error.details.permission} (needed to read the balance)`
            : 'The restricted key does not have the permission needed to read the balance',
        };
      case 'rate_limited':
        return { valid: false, message: 'rate limited by Stripe, try again later' };
      default:
        return { valid: false, message: `Stripe rejected the request: ${error.message}` };
    }
  }
}

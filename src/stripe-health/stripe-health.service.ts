import { Inject, Injectable } from '@nestjs/common';
import { stripeApiConfig, type StripeApiConfig } from '../stripe/stripe-api.config';
import type { StripeConfig } from '../stripe-config/stripe-config.entity';
import { StripeConfigRepository } from '../stripe-config/stripe-config.repository';
import { StripeConfigService } from '../stripe-config/stripe-config.service';
import type { StripeMode } from '../stripe/stripe-keys';
import { WebhookFailureCounter } from '../stripe-webhooks/webhook-failure-counter';
import { StripeHealthResponse } from './dto/stripe-health.dto';
import { healthCheckConfig, type HealthCheckConfig } from './health-check.config';
import { buildModeChecks, publishableAccountsDiffer, worstStatus } from './health-report';
import { StripeWebhookEventsRepository } from '../stripe-webhooks/stripe-webhook-events.repository';
import { StripeHealthChecker } from './stripe-health.checker';
import { StripeHealthRepository, type StoredHealthCheck } from './stripe-health.repository';
import { LedgerSweepRepository } from '../payments-sync/ledger-sweep.repository';
import { toSweepReport } from '../payments-sync/dto/ledger-sweep.dto';
import {
  LedgerProjectionFailuresRepository,
  type ProjectionFailureSummary,
} from '../payments/ledger-projection-failures.repository';

function ledgerOf(summary: ProjectionFailureSummary | undefined) {
  return summary
    ? {
        unprojectable: summary.count,
        lastEventId: summary.lastEventId,
        lastEventType: summary.lastEventType,
        lastReason: summary.lastReason,
        lastAt: summary.lastAt,
      }
    : null;
}

const MODES: StripeMode[] = ['test', 'live'];
/** Nominal interval when background checks are off: only for next_check_at, which nothing then reads. */
const DAY_MS = 24 * 3600 * 1000;

@Injectable()
export class StripeHealthService {
  constructor(
    private readonly repository: StripeHealthRepository,
    private readonly configs: StripeConfigRepository,
    private readonly stripeConfig: StripeConfigService,
    private readonly checker: StripeHealthChecker,
    private readonly failures: WebhookFailureCounter,
    private readonly events: StripeWebhookEventsRepository,
    @Inject(stripeApiConfig.KEY) private readonly stripeApi: StripeApiConfig,
    @Inject(healthCheckConfig.KEY) private readonly healthCheck: HealthCheckConfig,
    private readonly ledgerFailures: LedgerProjectionFailuresRepository,
    private readonly sweeps: LedgerSweepRepository,
  ) {}

  /** A claim outlives every Stripe call of one check (a key check and a few list pages), then lapses. */
  get leaseMs(): number {
    return this.stripeApi.timeoutMs * 8 + 5_000;
  }

  get intervalMs(): number {
    return this.healthCheck.intervalMs ?? DAY_MS;
  }

  /** The project's health, from stored outcomes, counters and key data: no call to Stripe, nothing decrypted. */
  async report(projectId: string): Promise<StripeHealthResponse> {
    const [config, stored, lastEvents, testFailures, liveFailures, ledgerFailures, sweeps] = await Promise.all([
      this.configs.findByProjectId(projectId),
      this.repository.findForProject(projectId),
      this.events.lastVerifiedEvents(projectId),
      this.failures.countsSince24h(projectId, 'test'),
      this.failures.countsSince24h(projectId, 'live'),
      this.ledgerFailures.forProject(projectId),
      this.sweeps.findForProject(projectId),
    ]);
    const failures = { test: testFailures, live: liveFailures };
    const urls = this.stripeConfig.webhookUrls(projectId);
    const now = new Date();
    const modes = MODES.map((mode) => {
      const row = stored.find((r) => r.mode === mode);
      const checks = buildModeChecks({
        mode,
        now,
        configActive: config ? config.isActive : null,
        secretKeyMasked: masked(config, mode, 'SecretKey'),
        secretKeyFingerprint: config ? config[`${mode}SecretKeyFingerprint`] : null,
        publishableKeyMasked: masked(config, mode, 'PublishableKey'),
        publishableOtherAccount: config
          ? publishableAccountsDiffer(config[`${mode}SecretKeyAccount`], config[`${mode}PublishableKeyAccount`])
          : false,
        webhookSecretMasked: masked(config, mode, 'WebhookSecret'),
        webhookUrl: mode === 'test' ? urls.test_webhook_url : urls.live_webhook_url,
        otherModeWebhookUrl: mode === 'test' ? urls.live_webhook_url : urls.test_webhook_url,
        stored: row ? storedOf(row) : null,
        failures: failures[mode],
        lastVerifiedEventAt: lastEvents[mode],
        ledger: ledgerOf(ledgerFailures.find((f) => f.mode === mode)),
      });
      return { mode, status: worstStatus(checks), checks, sweep: toSweepReport(sweeps, mode) };
    });
    return {
      project_id: projectId,
      config_active: config ? config.isActive : null,
      generated_at: now,
      test: modes[0],
      live: modes[1],
    };
  }

  /**
   * Runs the Stripe checks of both modes now (each mode with a stored secret key), unless another
   * instance is checking that mode at this moment (its outcome is stored when it ends), then reports.
   */
  async refresh(projectId: string): Promise<StripeHealthResponse> {
    const config = await this.configs.findByProjectId(projectId);
    if (config?.isActive) {
      await Promise.all(
        MODES.filter((mode) => config[`${mode}SecretKeyFingerprint`] !== null).map(async (mode) => {
          if (await this.repository.claimOne(projectId, mode, this.leaseMs)) await this.runClaimed(config, mode);
        }),
      );
    }
    return this.report(projectId);
  }

  /** Runs one claimed check and stores its outcome (the claim is released either way). */
  async runClaimed(config: StripeConfig, mode: StripeMode): Promise<void> {
    try {
      const result = await this.checker.check(config, mode);
      if (!result) return await this.repository.release(config.projectId, mode, this.intervalMs);
      await this.repository.store(config.projectId, mode, result, this.intervalMs);
    } catch (error) {
      await this.repository.release(config.projectId, mode);
      throw error;
    }
  }

  /** Runs a check claimed by the scheduler: reads the configuration it applies to first. */
  async runScheduled(projectId: string, mode: StripeMode): Promise<void> {
    const config = await this.configs.findByProjectId(projectId);
    if (!config || !config.isActive) return this.repository.release(projectId, mode, this.intervalMs);
    await this.runClaimed(config, mode);
  }
}

type MaskedColumn = 'SecretKey' | 'PublishableKey' | 'WebhookSecret';

function masked(config: StripeConfig | null, mode: StripeMode, column: MaskedColumn): string | null {
  if (!config) return null;
  return config[`${mode}${column}Masked`];
}

function storedOf(row: StoredHealthCheck) {
  return {
    keyFingerprint: row.key_fingerprint,
    keyOutcome: row.key_outcome,
    keyMessage: row.key_message,
    keyCheckedAt: row.key_checked_at,
    endpointCode: row.endpoint_code,
    endpointStatus: row.endpoint_status,
    endpointMessage: row.endpoint_message,
    endpointCheckedAt: row.endpoint_checked_at,
  };
}

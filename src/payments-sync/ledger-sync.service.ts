import { ConflictException, Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { StripeMode } from '../stripe/stripe-keys';
import { CREDENTIAL_COLUMNS } from '../stripe-config/stripe-config.entity';
import { StripeConfigCredentials } from '../stripe-config/stripe-config-credentials';
import { maskSecretsInText } from '../stripe/key-masking';
import { EXAMPLE_CREDENTIAL_MESSAGE, isExampleCredential } from '../stripe-config/example-credentials';
import { StripeConfigRepository } from '../stripe-config/stripe-config.repository';
import { StripeCallError } from '../stripe/stripe-api.client';
import { LedgerProjector } from '../payments/ledger-projector';
import { LEDGER_QUEUES, LedgerJobs, type LedgerJobData, type LedgerJobRun } from './ledger-jobs';
import { synthesise } from './ledger-sync.events';
import { LedgerSyncRepository, SYNC_PHASES, type SyncPhase, type SyncRow } from './ledger-sync.repository';
import { isPermanentStripeFailure, LedgerStripeReader, StripeCallBudgetExhausted } from './ledger-sync.stripe';
import { paymentsSyncConfig, type PaymentsSyncConfig } from './payments-sync.config';
import type { PaymentSyncState, PaymentSyncStatusResponse } from './dto/ledger-sync.dto';

/** Job states in which a sync's job will still run (or is running). */
const LIVE_JOB_STATES = new Set(['created', 'retry', 'active']);

/** A failure's message as stored and shown: ours or Stripe's (already masked), never a secret. */
export function safeErrorMessage(error: unknown): string {
  if (error instanceof StripeCallError) return `Stripe: ${error.message}`;
  if (error instanceof StripeCallBudgetExhausted) return error.message;
  const message = error instanceof Error ? error.message : String(error);
  return maskSecretsInText(message.split('\n')[0]).slice(0, 300);
}

/** The config of a project's mode had no usable key: ends the sync (or sweep) without retrying. */
export class NoStoredKeyError extends Error {}

/**
 * The history import: a developer's existing subscriptions and payments read from Stripe with the
 * stored key of a mode and projected into the ledger as synthesised events (ledger-sync.events.ts).
 * One sync per project and mode at a time (409 otherwise); it runs as background jobs of at most
 * PAYMENTS_SYNC_MAX_PAGES_PER_RUN pages each, resuming where the last one stopped (phase + cursor),
 * within PAYMENTS_SYNC_MAX_STRIPE_CALLS calls to Stripe in all.
 */
@Injectable()
export class LedgerSyncService implements OnModuleInit {
  private readonly logger = new Logger('LedgerSync');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly syncs: LedgerSyncRepository,
    private readonly jobs: LedgerJobs,
    private readonly reader: LedgerStripeReader,
    private readonly projector: LedgerProjector,
    private readonly configs: StripeConfigRepository,
    private readonly credentials: StripeConfigCredentials,
    @Inject(paymentsSyncConfig.KEY) private readonly config: PaymentsSyncConfig,
  ) {}

  onModuleInit(): void {
    this.jobs.handle(LEDGER_QUEUES.sync, (data, run) => this.run(data, run));
  }

  /**
   * Queues a sync of the project's mode: the state row and the job are written in one transaction (the
   * row locked), so two requests at once start one sync. 409 while the mode's sync is queued or running
   * (its job still alive: a sync whose job was lost, e.g. deleted by hand, does not block a new one).
   */
  async start(projectId: string, mode: StripeMode): Promise<PaymentSyncState> {
    // Checked without decrypting: the key itself is read by the worker only.
    const config = await this.configs.findByProjectId(projectId);
    if (!config || !config.isActive || config[CREDENTIAL_COLUMNS[`${mode}_secret_key`].fingerprint.property] === null) {
      throw new ConflictException(
        `No ${mode} secret key is stored for this project (or its configuration is inactive)`,
      );
    }
    const row = await this.dataSource.transaction(async (tx) => {
      const current = await this.syncs.lockForStart(tx, projectId, mode);
      if (current.status === 'queued' || current.status === 'running') {
        const state = current.job_id ? await this.jobs.jobState(LEDGER_QUEUES.sync, current.job_id) : null;
        if (state && LIVE_JOB_STATES.has(state)) {
          throw new ConflictException(`A ${mode}-mode sync of this project is already ${current.status}`);
        }
      }
      const jobId = await this.jobs.send(LEDGER_QUEUES.sync, { projectId, mode }, { tx });
      if (!jobId) throw new ConflictException(`A ${mode}-mode sync of this project is already queued`);
      return this.syncs.queue(tx, projectId, mode, jobId);
    });
    this.jobs.wake(LEDGER_QUEUES.sync);
    return toState(row);
  }

  async status(projectId: string): Promise<PaymentSyncStatusResponse> {
    const rows = await this.syncs.findForProject(projectId);
    const of = (mode: StripeMode) => {
      const row = rows.find((r) => r.mode === mode);
      return row ? toState(row) : null;
    };
    return { test: of('test'), live: of('live') };
  }

  /** One job run of a sync. Throws only what should be retried. */
  async run(data: LedgerJobData, run: LedgerJobRun): Promise<void> {
    const { projectId, mode } = data;
    const row = await this.syncs.markRunning(projectId, mode, run.id);
    if (!row) return; // superseded by a newer sync, or already finished
    try {
      const key = await this.secretKey(projectId, mode);
      await this.importPages(row, key);
    } catch (error) {
      const message = safeErrorMessage(error);
      if (error instanceof NoStoredKeyError || error instanceof StripeCallBudgetExhausted) {
        await this.syncs.finish(projectId, mode, 'failed', message);
        return;
      }
      if (isPermanentStripeFailure(error) || run.lastAttempt) {
        await this.syncs.finish(projectId, mode, 'failed', message);
        return;
      }
      this.logger.warn(`Sync of project ${projectId} (${mode}) failed, will retry: ${message}`);
      await this.syncs.noteError(projectId, mode, message);
      throw new Error(message);
    }
  }

  /** The stored secret key of the mode, decrypted here, in the worker, and nowhere else. */
  private async secretKey(projectId: string, mode: StripeMode): Promise<string> {
    const config = await this.configs.findByProjectId(projectId);
    if (!config || !config.isActive)
      throw new NoStoredKeyError(`The Stripe configuration of this project is missing or inactive`);
    const key = this.credentials.reveal(config, `${mode}_secret_key`);
    if (!key) throw new NoStoredKeyError(`No ${mode} secret key is stored for this project`);
    // The documentation's example key is never sent to Stripe.
    if (isExampleCredential(key))
      throw new NoStoredKeyError(`The stored ${mode}_secret_key ${EXAMPLE_CREDENTIAL_MESSAGE}`);
    return key;
  }

  private async importPages(row: SyncRow, key: string): Promise<void> {
    const { project_id: projectId, mode } = row;
    let phase: SyncPhase = row.phase ?? SYNC_PHASES[0];
    let cursor = row.cursor;
    let calls = row.stripe_calls;
    for (let pages = 0; ; pages++) {
      if (pages >= this.config.syncMaxPagesPerRun || this.jobs.stopping) return this.handOver(projectId, mode);
      if (calls >= this.config.syncMaxStripeCalls) throw new StripeCallBudgetExhausted(this.config.syncMaxStripeCalls);
      calls++;
      // The imported state is dated when it was asked for, not when it arrived: a change Stripe made
      // while the page was on its way has an event at least that recent, which then wins.
      const fetchedAt = Math.floor(Date.now() / 1000);
      const page = await this.reader.page(key, phase, { startingAfter: cursor }).catch(async (error: unknown) => {
        await this.syncs.countCall(projectId, mode);
        throw error;
      });
      const last = page.data[page.data.length - 1];
      const done = !page.has_more || !last;
      const next = done ? SYNC_PHASES[SYNC_PHASES.indexOf(phase) + 1] : phase;
      const nextCursor = done ? null : String(last.id);
      await this.dataSource.transaction(async (tx) => {
        let subscriptions = 0;
        let payments = 0;
        for (const object of page.data) {
          for (const { event, counts } of synthesise(phase, object, fetchedAt)) {
            const outcome = await this.projector.project(tx, projectId, mode, event);
            if (outcome === 'unprojectable') continue;
            if (counts === 'subscription') subscriptions++;
            if (counts === 'payment') payments++;
          }
        }
        await this.syncs.recordPage(tx, projectId, mode, {
          phase: next ?? null,
          cursor: nextCursor,
          subscriptions,
          payments,
        });
      });
      if (!next) {
        await this.syncs.finish(projectId, mode, 'succeeded', null);
        this.logger.log(`Sync of project ${projectId} (${mode}) finished`);
        return;
      }
      phase = next;
      cursor = nextCursor;
    }
  }

  /** Continues the sync in a new job (this run reached its page limit, or the instance is stopping). */
  private async handOver(projectId: string, mode: StripeMode): Promise<void> {
    await this.dataSource.transaction(async (tx) => {
      const jobId = await this.jobs.send(LEDGER_QUEUES.sync, { projectId, mode }, { tx });
      if (!jobId) throw new Error('Could not queue the continuation of the sync');
      await this.syncs.handOver(tx, projectId, mode, jobId);
    });
    if (!this.jobs.stopping) this.jobs.wake(LEDGER_QUEUES.sync);
  }
}

function toState(row: SyncRow): PaymentSyncState {
  return {
    mode: row.mode,
    status: row.status,
    subscriptions_imported: row.subscriptions_imported,
    payments_imported: row.payments_imported,
    pages_fetched: row.pages_fetched,
    stripe_calls: row.stripe_calls,
    requested_at: row.requested_at,
    started_at: row.started_at,
    finished_at: row.finished_at,
    last_error: row.last_error,
  };
}

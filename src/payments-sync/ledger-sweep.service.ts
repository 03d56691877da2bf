import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { findUnstorableInput } from '../common/storable-text';
import type { StripeMode } from '../stripe/stripe-keys';
import { StripeConfigCredentials } from '../stripe-config/stripe-config-credentials';
import { EXAMPLE_CREDENTIAL_MESSAGE, isExampleCredential } from '../stripe-config/example-credentials';
import { StripeConfigRepository } from '../stripe-config/stripe-config.repository';
import { StripeWebhookEventsRepository } from '../stripe-webhooks/stripe-webhook-events.repository';
import { MAX_EVENT_DEPTH } from '../stripe-webhooks/stripe-webhooks.service';
import { LedgerProjector, type LedgerEvent } from '../payments/ledger-projector';
import { LEDGER_QUEUES, LedgerJobs, type LedgerJobData, type LedgerJobRun } from './ledger-jobs';
import { SWEPT_EVENT_TYPES } from './ledger-sync.events';
import { NoStoredKeyError, safeErrorMessage } from './ledger-sync.service';
import { isPermanentStripeFailure, LedgerStripeReader } from './ledger-sync.stripe';
import { LedgerSweepRepository, type SweepRow } from './ledger-sweep.repository';
import { paymentsSyncConfig, type PaymentsSyncConfig } from './payments-sync.config';

/**
 * Seconds the event list is read back before the last swept second: an event Stripe listed a moment
 * after the sweep that read its second is still seen (stored events are skipped by their id).
 */
const SWEEP_OVERLAP_SECONDS = 60;

/** Sweeps claimed per planner round, all instances together (each becomes one job). */
const CLAIMS_PER_ROUND = 50;

/** A claimed sweep not finished within this is due again (its instance died before storing an outcome). */
const CLAIM_LEASE_MS = 20 * 60_000;

/** What the sweep needs of a listed event; anything else is not an event it can store. */
interface ListedEvent {
  id: string;
  type: string;
  created: number;
  livemode: boolean;
  api_version?: string | null;
  data: { object: Record<string, unknown> };
}

function isListedEvent(value: Record<string, unknown>): value is ListedEvent & Record<string, unknown> {
  const data = value.data as { object?: unknown } | undefined;
  return (
    typeof value.id === 'string' &&
    /^[A-Za-z0-9_]{1,255}$/.test(value.id) &&
    typeof value.type === 'string' &&
    value.type.length <= 255 &&
    typeof value.created === 'number' &&
    Number.isInteger(value.created) &&
    value.created >= 0 &&
    value.created < 1e11 &&
    typeof value.livemode === 'boolean' &&
    !!data &&
    typeof data.object === 'object' &&
    data.object !== null
  );
}

/**
 * The sweep: Stripe's event list (`GET /v1/events`, `created[gt]`, the ledger's types) read per
 * project and mode every PAYMENTS_SWEEP_INTERVAL, and every event not stored yet stored and projected
 * as a delivered one is (the event row and its projection in one transaction, once per event id).
 * It fills what webhook delivery missed (an endpoint down for hours, a delivery Stripe gave up on).
 *
 * Scheduling: each instance's planner claims due rows of payment_sweeps (`FOR UPDATE SKIP LOCKED`) and
 * turns each into a job of the sweep queue (at most one waiting and one running per project and mode).
 * A run reads at most PAYMENTS_SWEEP_MAX_PAGES pages; a longer gap is continued by the next run
 * (the cursor is kept), shortly after.
 */
@Injectable()
export class LedgerSweepService implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('LedgerSweep');
  private timer?: NodeJS.Timeout;
  private round?: Promise<void>;
  private stopped = false;
  private lastSeed = 0;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly sweeps: LedgerSweepRepository,
    private readonly events: StripeWebhookEventsRepository,
    private readonly jobs: LedgerJobs,
    private readonly reader: LedgerStripeReader,
    private readonly projector: LedgerProjector,
    private readonly configs: StripeConfigRepository,
    private readonly credentials: StripeConfigCredentials,
    @Inject(paymentsSyncConfig.KEY) private readonly config: PaymentsSyncConfig,
  ) {}

  /** The planner's period: a tenth of the interval, between 250 ms and 30 s. */
  private get pollMs(): number {
    return Math.min(30_000, Math.max(250, Math.round((this.config.sweepIntervalMs ?? 0) / 10)));
  }

  /** An instance with sweeps off runs no sweep job either (it would not know when the next is due). */
  onModuleInit(): void {
    if (this.config.sweepIntervalMs === null) return;
    this.jobs.handle(LEDGER_QUEUES.sweep, (data, run) => this.run(data, run));
  }

  onApplicationBootstrap(): void {
    if (this.config.sweepIntervalMs === null || this.config.workers === 0) return;
    this.schedule(this.pollMs * Math.random());
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.round;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.round = this.plan()
        .catch((error: unknown) => this.logger.warn(`Sweep planning failed: ${safeErrorMessage(error)}`))
        .then(() => {
          this.round = undefined;
          this.schedule(this.pollMs);
        });
    }, delayMs);
    this.timer.unref();
  }

  /** One planner round: rows for new keys, then a job for each due sweep. Returns how many were queued. */
  async plan(): Promise<number> {
    if (Date.now() - this.lastSeed >= this.pollMs) {
      this.lastSeed = Date.now();
      await this.sweeps.seedFromConfigs();
    }
    const claimed = await this.sweeps.claimDue(CLAIMS_PER_ROUND, CLAIM_LEASE_MS);
    let queued = 0;
    for (const c of claimed) {
      if (this.stopped) break;
      if (await this.jobs.send(LEDGER_QUEUES.sweep, { projectId: c.project_id, mode: c.mode })) queued++;
    }
    if (queued > 0) this.jobs.wake(LEDGER_QUEUES.sweep);
    return queued;
  }

  /** One job run of a project's sweep. Throws only what should be retried. */
  async run(data: LedgerJobData, run: LedgerJobRun): Promise<void> {
    const { projectId, mode } = data;
    const row = await this.sweeps.find(projectId, mode);
    if (!row) return;
    const intervalMs = this.config.sweepIntervalMs!;
    let filled = 0;
    try {
      const key = await this.secretKey(projectId, mode);
      const result = await this.sweep(row, key, (n) => (filled += n));
      await this.sweeps.store(projectId, mode, {
        outcome: result.complete ? 'ok' : 'partial',
        error: null,
        eventsFilled: filled,
        sweptUntil: result.complete ? result.sweptUntil : null,
        cycleCursor: result.complete ? null : result.cursor,
        // A gap longer than one run is continued at the planner's next round.
        nextInMs: result.complete ? intervalMs : this.pollMs,
      });
      if (filled > 0) this.logger.log(`Sweep of project ${projectId} (${mode}) filled ${filled} undelivered events`);
    } catch (error) {
      const message = safeErrorMessage(error);
      const retried = !(error instanceof NoStoredKeyError) && !isPermanentStripeFailure(error) && !run.lastAttempt;
      await this.sweeps.store(projectId, mode, {
        outcome: 'failed',
        error: message,
        eventsFilled: filled,
        sweptUntil: null,
        cycleCursor: undefined,
        nextInMs: intervalMs,
      });
      if (retried) {
        this.logger.warn(`Sweep of project ${projectId} (${mode}) failed, will retry: ${message}`);
        throw new Error(message);
      }
    }
  }

  private async secretKey(projectId: string, mode: StripeMode): Promise<string> {
    const config = await this.configs.findByProjectId(projectId);
    if (!config || !config.isActive)
      throw new NoStoredKeyError('The Stripe configuration of this project is missing or inactive');
    const key = this.credentials.reveal(config, `${mode}_secret_key`);
    if (!key) throw new NoStoredKeyError(`No ${mode} secret key is stored for this project`);
    // The documentation's example key is never sent to Stripe.
    if (isExampleCredential(key))
      throw new NoStoredKeyError(`The stored ${mode}_secret_key ${EXAMPLE_CREDENTIAL_MESSAGE}`);
    return key;
  }

  /**
   * Reads pages of the event list (newest first) from the cycle's cursor, storing and projecting the
   * events not stored yet. `complete`: the list was read to its end; `sweptUntil` is then the newest
   * `created` of the cycle (where the next cycle starts, less the overlap).
   */
  private async sweep(
    row: SweepRow,
    key: string,
    onFilled: (n: number) => void,
  ): Promise<{ complete: boolean; cursor: string | null; sweptUntil: number }> {
    const { project_id: projectId, mode } = row;
    const lowerBound =
      row.swept_until !== null
        ? Number(row.swept_until) - SWEEP_OVERLAP_SECONDS
        : Math.floor((Date.now() - this.config.sweepLookbackMs) / 1000);
    let cursor = row.cycle_cursor;
    let maxCreated = Math.max(lowerBound, Number(row.cycle_max_created ?? 0), Number(row.swept_until ?? 0));
    for (let pages = 0; pages < this.config.sweepMaxPages && !this.jobs.stopping; pages++) {
      const page = await this.reader.page(key, 'events', {
        startingAfter: cursor,
        createdAfter: lowerBound,
        types: SWEPT_EVENT_TYPES,
      });
      let pageMax: number | null = null;
      for (const listed of page.data) {
        if (!isListedEvent(listed)) continue;
        pageMax = Math.max(pageMax ?? 0, listed.created);
        if (listed.livemode !== (mode === 'live')) continue;
        if (!(SWEPT_EVENT_TYPES as readonly string[]).includes(listed.type)) continue;
        // What the receiver refuses to store (NUL characters, absurd nesting) is skipped here too.
        if (findUnstorableInput(listed, MAX_EVENT_DEPTH)) continue;
        if (await this.storeAndProject(projectId, mode, listed)) onFilled(1);
      }
      if (pageMax !== null) maxCreated = Math.max(maxCreated, pageMax);
      const last = page.data[page.data.length - 1];
      cursor = page.has_more && last ? String(last.id) : null;
      await this.sweeps.recordPage(projectId, mode, cursor, pageMax);
      if (!cursor) return { complete: true, cursor: null, sweptUntil: maxCreated };
    }
    return { complete: false, cursor, sweptUntil: maxCreated };
  }

  /**
   * Stores the event as the receiver does (once per project, mode and event id) and projects it, in
   * one transaction: false when it was stored already (delivered, or swept before).
   */
  private async storeAndProject(projectId: string, mode: StripeMode, listed: ListedEvent): Promise<boolean> {
    return this.dataSource.transaction(async (tx) => {
      const stored = await this.events.insertOnce(
        projectId,
        {
          mode,
          eventId: listed.id,
          eventType: listed.type,
          stripeCreatedAt: new Date(listed.created * 1000),
          payloadJson: JSON.stringify(listed),
        },
        tx,
      );
      if (!stored) return false;
      const event: LedgerEvent = {
        id: listed.id,
        type: listed.type,
        created: listed.created,
        api_version: listed.api_version ?? null,
        data: { object: listed.data.object },
      };
      await this.projector.project(tx, projectId, mode, event);
      return true;
    });
  }
}

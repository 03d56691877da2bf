import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import PgBoss from 'pg-boss';
import type * as pg from 'pg';
import type { EntityManager } from 'typeorm';
import { databaseConfig, type DatabaseConfig } from '../database/database.config';
import { deadlineDriver } from '../database/deadline-pool';
import { paymentsSyncConfig, type PaymentsSyncConfig } from './payments-sync.config';

/** The queues of the ledger's background jobs. */
export const LEDGER_QUEUES = { sync: 'payments_sync', sweep: 'payments_sweep' } as const;
export type LedgerQueue = (typeof LEDGER_QUEUES)[keyof typeof LEDGER_QUEUES];

/** What a job carries: ids only. Keys are read and decrypted by the worker that runs the job. */
export interface LedgerJobData {
  projectId: string;
  mode: 'test' | 'live';
}

/** The run of a job a handler is given: its id, and whether a failure now is retried. */
export interface LedgerJobRun {
  id: string;
  /** True when this is the last attempt: a failure ends the job for good. */
  lastAttempt: boolean;
}

export type LedgerJobHandler = (data: LedgerJobData, run: LedgerJobRun) => Promise<void>;

/** pg-boss's schema: created (or upgraded) by the first instance that starts, never by our migrations. */
export const JOB_SCHEMA = 'pgboss';

/** Longest one job run may take before pg-boss counts it as failed (and retries it): runs are bounded in pages. */
const JOB_EXPIRE_SECONDS = 15 * 60;

/** Finished jobs are kept this long (the sync's state lives in payment_syncs; the job row is for operators). */
const JOB_RETENTION_SECONDS = 7 * 86_400;

/**
 * The job queue of the payments ledger: pg-boss 10 (a well-kept PostgreSQL queue: jobs are rows, so
 * they survive restarts; `FOR UPDATE SKIP LOCKED` hands each job to one worker of one instance;
 * failed jobs are retried with exponential backoff; a job that was running when its instance died
 * is failed on expiry and retried).
 *
 * pg-boss runs on a pool of its own made from the service's deadline driver (statement, lock and
 * idle-in-transaction timeouts, client-side query deadline, bounded connect and pool wait; see
 * src/database/deadline-pool.ts), and every `error` it or its pool emits is logged, never thrown
 * out of an event emitter. Both queues use the `short` policy keyed by project and mode: at most
 * one job of a project's mode waits (a second send answers null). Not `stately`/`singleton`: their
 * fetch fails outright while a job of the same key is active, which would block every other tenant's
 * jobs queued behind it; one sync (or sweep) runs at a time because a sync's next job is only sent
 * by the run before it (and a run whose id is no longer the sync's returns at once), and a sweep is
 * sent only by the claim of its due row.
 *
 * Its schema (`pgboss`) is created at start-up, under pg-boss's own advisory lock, when missing:
 * migrations do not know it, and a new test database (copied from the migrated template) gets it on
 * first start. Stopped at shutdown (onModuleDestroy, before the database pool closes): workers stop
 * fetching, a running job is waited for (runs are short and check `stopping` between pages), then
 * whatever still runs is failed and retried elsewhere.
 */
@Injectable()
export class LedgerJobs implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('LedgerJobs');
  private boss?: PgBoss;
  private pool?: pg.Pool;
  /** Statements pg-boss sent and has not seen answered (see onModuleDestroy). */
  private readonly statementsInFlight = new Set<Promise<unknown>>();
  private readonly handlers = new Map<LedgerQueue, LedgerJobHandler>();
  private readonly workerIds = new Map<LedgerQueue, string[]>();
  private starting?: Promise<PgBoss>;
  /** True once shutdown began: running jobs stop at their next page and hand over. */
  stopping = false;

  constructor(
    @Inject(databaseConfig.KEY) private readonly database: DatabaseConfig,
    @Inject(paymentsSyncConfig.KEY) private readonly config: PaymentsSyncConfig,
  ) {}

  /** Registers the function that runs the jobs of `queue` (called by the services in onModuleInit). */
  handle(queue: LedgerQueue, handler: LedgerJobHandler): void {
    this.handlers.set(queue, handler);
  }

  /**
   * Started in the background: the service answers before the job queue is up (a request that sends a
   * job waits for it in send). A failed start is logged and tried again by the next send.
   */
  onApplicationBootstrap(): void {
    this.start().catch((error: Error) => this.logger.warn(`Job queue did not start: ${error.message}`));
  }

  private start(): Promise<PgBoss> {
    this.starting ??= this.open().catch((error: unknown) => {
      this.starting = undefined;
      throw error;
    });
    return this.starting;
  }

  private async open(): Promise<PgBoss> {
    const Driver = deadlineDriver(this.database.deadlines);
    const pool = new Driver.Pool({
      connectionString: this.database.url,
      max: this.config.poolSize,
      application_name: 'stripe-config-service jobs',
    });
    pool.on('error', (error) => this.logger.warn(`Job queue connection failed: ${error.message}`));
    this.pool = pool;
    const db: PgBoss.Db = {
      executeSql: (text, values) => {
        const query = pool.query(text, values);
        this.statementsInFlight.add(query);
        void query.finally(() => this.statementsInFlight.delete(query)).catch(() => undefined);
        return query;
      },
    };
    const boss = new PgBoss({
      db,
      schema: JOB_SCHEMA,
      migrate: true,
      // Cron scheduling is not used (the sweep planner claims due rows itself, at sub-minute periods in tests).
      schedule: false,
      supervise: true,
      maintenanceIntervalSeconds: 120,
      pollingIntervalSeconds: this.config.pollMs / 1000,
      retryLimit: this.config.retryLimit,
      retryDelay: Math.max(1, Math.round(this.config.retryDelayMs / 1000)),
      retryBackoff: true,
      expireInSeconds: JOB_EXPIRE_SECONDS,
      retentionSeconds: JOB_RETENTION_SECONDS,
    });
    boss.on('error', (error: Error) => this.logger.warn(`Job queue error: ${error.message}`));
    // Instances starting at once would create pg-boss's schema and queue tables concurrently (DDL that
    // deadlocks): the set-up runs under one session advisory lock, on a connection of its own.
    const lock = new Driver.Client({
      connectionString: this.database.url,
      application_name: 'stripe-config-service jobs setup',
    });
    lock.on('error', (error: Error) => this.logger.warn(`Job queue set-up connection failed: ${error.message}`));
    await lock.connect();
    try {
      await lock.query(`SELECT pg_advisory_lock(hashtext('stripe-config-service:job-queue-setup'))`);
      await this.setUp(boss);
    } finally {
      await lock.end().catch(() => undefined);
    }
    return boss;
  }

  private async setUp(boss: PgBoss): Promise<void> {
    await boss.start();
    for (const name of Object.values(LEDGER_QUEUES)) {
      // createQueue is idempotent (ON CONFLICT DO NOTHING); the policy is fixed when the queue is first made.
      await boss.createQueue(name, {
        name,
        policy: 'short',
        retryLimit: this.config.retryLimit,
        retryDelay: Math.max(1, Math.round(this.config.retryDelayMs / 1000)),
        retryBackoff: true,
        expireInSeconds: JOB_EXPIRE_SECONDS,
      });
    }
    this.boss = boss;
    for (const [queue, handler] of this.handlers) {
      const ids: string[] = [];
      for (let i = 0; i < this.config.workers; i++) {
        ids.push(
          await boss.work<LedgerJobData>(
            queue,
            { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: this.config.pollMs / 1000 },
            async ([job]) => handler(job.data, { id: job.id, lastAttempt: job.retryCount >= job.retryLimit }),
          ),
        );
      }
      this.workerIds.set(queue, ids);
    }
  }

  /**
   * Enqueues a job for a project's mode (ids only), inside `tx` when given so that it exists exactly
   * when the caller's own row does. Null when that project's mode already has a job waiting (policy `short`).
   */
  async send(
    queue: LedgerQueue,
    data: LedgerJobData,
    options: { tx?: EntityManager; startAfterSeconds?: number } = {},
  ): Promise<string | null> {
    const boss = await this.start();
    const db: PgBoss.Db | undefined = options.tx
      ? {
          executeSql: async (text, values) => {
            const result = await options.tx!.queryRunner!.query(text, values, true);
            return { rows: result.records as unknown[] };
          },
        }
      : undefined;
    const id = await boss.send(queue, data as unknown as object, {
      singletonKey: `${data.projectId}:${data.mode}`,
      ...(options.startAfterSeconds ? { startAfter: options.startAfterSeconds } : {}),
      ...(db ? { db } : {}),
    });
    return id;
  }

  /** Wakes this instance's idle workers of `queue` (a job was just committed): no wait for the next poll. */
  wake(queue: LedgerQueue): void {
    for (const id of this.workerIds.get(queue) ?? []) this.boss?.notifyWorker(id);
  }

  /** The state of a job (`created`, `retry`, `active`, `completed`, `cancelled`, `failed`), or null when gone. */
  async jobState(queue: LedgerQueue, jobId: string): Promise<string | null> {
    const boss = await this.start();
    const job = await boss.getJobById(queue, jobId, { includeArchive: true });
    return job?.state ?? null;
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    const boss = this.boss;
    if (!boss && this.starting) await this.starting.catch(() => undefined);
    if (this.boss) {
      // wait: resolves once the running jobs ended (or were failed after the timeout) and pg-boss stopped.
      await this.boss.stop({ graceful: true, close: false, wait: true, timeout: 10_000 });
    }
    // pg-boss completes or fails a finished job without awaiting it: those statements end before the pool does.
    await Promise.allSettled([...this.statementsInFlight]);
    await this.pool?.end().catch(() => undefined);
  }
}

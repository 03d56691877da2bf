import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { StripeMode } from '../stripe/stripe-keys';
import {
  CLIENT_SKETCH_SIZE,
  clientHash,
  type CountedRefusal,
  type FailureCounts,
  mergeSketch,
  type Pending,
  sketchCount,
  UNCONFIRMED_REFUSALS,
  type UnconfirmedRefusal,
  type WebhookFailureCause,
} from './webhook-failures';
import { WebhookFailureCountsRepository } from './webhook-failure-counts.repository';

/** How often the counts gathered in memory are written (one upsert per project, mode, cause and hour). */
const FAILURE_FLUSH_INTERVAL_MS = 5_000;
/** Distinct (project, mode, cause, hour) keys held before an early flush: bounds the memory a flood can take. */
const MAX_PENDING_KEYS = 10_000;
/** Buckets kept: the health report reads the last 24 h; older ones are deleted. */
const RETENTION_HOURS = 48;
const SWEEP_EVERY_MS = 10 * 60_000;

/**
 * Counts refused webhook deliveries per project, mode, cause and hour, cheaply: the receiver only
 * increments a number in memory (no database write per refused request, so a flood of bad signatures
 * costs no write amplification and no row-lock queue); the counts are written every
 * FAILURE_FLUSH_INTERVAL_MS in ONE upsert (one row per key and hour), before a health report is read,
 * and at shutdown. At most MAX_PENDING_KEYS keys are held; more triggers an early flush. A crash loses
 * at most one interval of counts: acceptable for a diagnostic.
 */
@Injectable()
export class WebhookFailureCounter implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('WebhookFailures');
  private pending = new Map<string, Pending>();
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  private lastSweep = 0;

  constructor(private readonly repository: WebhookFailureCountsRepository) {}

  /**
   * O(1), no I/O. `clientAddress` is kept (as a keyed hash in a bounded sketch) for unconfirmed
   * refusals only.
   */
  record(
    projectId: string,
    mode: StripeMode,
    cause: CountedRefusal,
    at = new Date(),
    clientAddress: string | null = null,
  ): void {
    const bucketStart = new Date(Math.floor(at.getTime() / 3_600_000) * 3_600_000);
    const unconfirmed = (UNCONFIRMED_REFUSALS as readonly string[]).includes(cause);
    const clients = unconfirmed && clientAddress ? [clientHash(clientAddress)] : [];
    this.merge({ projectId, mode, cause, bucketStart, failures: 1, lastFailureAt: at, clients });
    if (this.pending.size >= MAX_PENDING_KEYS) void this.flush();
  }

  private merge(counted: Pending): void {
    const key = `${counted.projectId}|${counted.mode}|${counted.cause}|${counted.bucketStart.getTime()}`;
    const entry = this.pending.get(key);
    if (!entry) {
      // Bounded even while the database is down (flushes failing): new keys are then dropped.
      if (this.pending.size >= MAX_PENDING_KEYS * 2) return;
      this.pending.set(key, { ...counted, clients: [...counted.clients] });
      return;
    }
    entry.failures += counted.failures;
    if (counted.clients.length > 0) entry.clients = mergeSketch(entry.clients, counted.clients);
    if (counted.lastFailureAt > entry.lastFailureAt) entry.lastFailureAt = counted.lastFailureAt;
  }

  /** Writes what was counted in memory; flushes run one after the other. */
  flush(): Promise<void> {
    this.flushing = this.flushing
      .then(() => this.write())
      .catch((error: unknown) => {
        this.logger.warn(`Could not store webhook failure counts: ${(error as Error).message}`);
      });
    return this.flushing;
  }

  /**
   * Refused deliveries of the last 24 h (whole hours: the current one and the 24 before it) for a
   * project and mode, after writing this instance's pending counts. Reads the primary key's prefix.
   */
  async countsSince24h(projectId: string, mode: StripeMode): Promise<FailureCounts> {
    await this.flush();
    const [rows, sketch] = await Promise.all([
      this.repository.last24Hours(projectId, mode),
      this.repository.clientSketchLast24Hours(projectId, mode, UNCONFIRMED_REFUSALS, CLIENT_SKETCH_SIZE),
    ]);
    const byCause = { secret_mismatch: 0, clock_skew: 0, wrong_url_mode: 0 };
    const unconfirmed = { unconfirmed: 0, unknown_to_account: 0 };
    let lastFailureAt: Date | null = null;
    for (const row of rows) {
      if (row.cause in byCause) {
        byCause[row.cause as WebhookFailureCause] = row.failures;
        if (!lastFailureAt || row.last_failure_at > lastFailureAt) lastFailureAt = row.last_failure_at;
      } else if (row.cause in unconfirmed) unconfirmed[row.cause as UnconfirmedRefusal] = row.failures;
    }
    const addresses = sketchCount(sketch);
    return {
      total: byCause.secret_mismatch + byCause.clock_skew + byCause.wrong_url_mode,
      byCause,
      lastFailureAt,
      unconfirmed: {
        total: unconfirmed.unconfirmed + unconfirmed.unknown_to_account,
        unknownToAccount: unconfirmed.unknown_to_account,
        clientAddresses: addresses.count,
        clientAddressesExact: addresses.exact,
      },
    };
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.flush(), FAILURE_FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  /** Before the pool closes: the last counts are written. */
  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private async write(): Promise<void> {
    if (this.pending.size > 0) {
      const batch = [...this.pending.values()];
      this.pending = new Map();
      try {
        await this.repository.add(batch);
      } catch (error) {
        // Put the counts back (merged with what arrived meanwhile) for the next flush.
        for (const p of batch) this.merge(p);
        throw error;
      }
    }
    if (Date.now() - this.lastSweep > SWEEP_EVERY_MS) {
      this.lastSweep = Date.now();
      await this.repository.deleteOlderThan(RETENTION_HOURS);
    }
  }
}

import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { healthCheckConfig, type HealthCheckConfig } from './health-check.config';
import { StripeHealthRepository } from './stripe-health.repository';
import { StripeHealthService } from './stripe-health.service';

/** Calls to Stripe one check makes: the key (balance read) and the webhook endpoint list. */
const CALLS_PER_CHECK = 2;

/**
 * Re-checks every stored secret key (and its account's webhook endpoints) against Stripe once per
 * HEALTH_CHECK_INTERVAL, jittered ±10% per key; a new or changed key is checked within a poll period. Each round claims due checks in PostgreSQL
 * (`FOR UPDATE SKIP LOCKED` + a lease, see StripeHealthRepository), so two instances never check
 * the same key at once, and at most HEALTH_CHECK_RATE calls a second are made by all
 * instances together. Idle, it polls every interval/10 (between 250 ms and 30 s); while checks are
 * due, once a second. Its timer is unref'd (never keeps a process alive) and stopped at shutdown,
 * which waits for the round in progress.
 */
@Injectable()
export class HealthCheckScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('StripeHealth');
  private timer?: NodeJS.Timeout;
  private round?: Promise<void>;
  private stopped = false;
  private lastSync = 0;

  constructor(
    private readonly repository: StripeHealthRepository,
    private readonly health: StripeHealthService,
    @Inject(healthCheckConfig.KEY) private readonly config: HealthCheckConfig,
  ) {}

  private get pollMs(): number {
    const interval = this.config.intervalMs ?? 0;
    return Math.min(30_000, Math.max(250, Math.round(interval / 10)));
  }

  private get checksPerSecond(): number {
    return Math.max(1, Math.floor(this.config.maxCallsPerSecond / CALLS_PER_CHECK));
  }

  onApplicationBootstrap(): void {
    if (this.config.intervalMs === null) return;
    this.schedule(this.pollMs * Math.random());
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.round;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.round = this.runRound()
        .catch((error: unknown) => {
          this.logger.warn(`Background health checks failed: ${(error as Error).message}`);
          return 0;
        })
        .then((claimed) => {
          this.round = undefined;
          // A full round means more may be due: the next second's budget is used at once.
          this.schedule(claimed >= this.checksPerSecond ? 1_000 : this.pollMs);
        });
    }, delayMs);
    this.timer.unref();
  }

  /** One round: claim what is due (within the rate cap) and check it; returns how many were claimed. */
  async runRound(): Promise<number> {
    // New and changed keys are found by reading every configuration: once per poll period, not per round.
    if (Date.now() - this.lastSync >= this.pollMs) {
      this.lastSync = Date.now();
      await this.repository.syncWithConfigs();
    }
    const claimed = await this.repository.claimDue(this.checksPerSecond, this.health.leaseMs);
    await Promise.all(
      claimed.map((c) =>
        this.health.runScheduled(c.project_id, c.mode).catch((error: unknown) => {
          this.logger.warn(`Health check of project ${c.project_id} (${c.mode}) failed: ${(error as Error).message}`);
        }),
      ),
    );
    return claimed.length;
  }
}

import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { StripeWebhookEventsRepository } from './stripe-webhook-events.repository';
import { stripeWebhooksConfig, type StripeWebhooksConfig } from './stripe-webhooks.config';

/** Rows one statement deletes; a run makes at most MAX_BATCHES of them for the age limit. */
const BATCH = 1_000;
const MAX_BATCHES = 20;
/** Projects whose quota one run checks (the ones that stored events since the last run come first). */
const MAX_PROJECTS_PER_RUN = 500;
/** Projects remembered as having stored events since their last check. */
const MAX_TOUCHED = 10_000;

/**
 * Bounds what webhook deliveries can store: events older than WEBHOOK_EVENT_RETENTION are deleted,
 * and each project keeps at most WEBHOOK_EVENT_QUOTA_COUNT events and WEBHOOK_EVENT_QUOTA_BYTES of
 * payload (the oldest go first). A periodic job (WEBHOOK_EVENT_PRUNE_INTERVAL) does the work in
 * bounded batches; a delivery only adds to an in-memory tally (no query), and a project whose tally
 * since its last check reaches its quota is pruned at once, in the background. So a flood leaves a
 * project at most one quota's worth over its quota for as long as one prune takes.
 *
 * Nothing else refers to a stored event: the payments ledger keeps its own rows, so removing an
 * event never changes what the ledger says.
 */
@Injectable()
export class WebhookEventRetention implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('WebhookEventRetention');
  /** Per project: events and payload bytes stored since its quota was last checked. */
  private readonly touched = new Map<string, { events: number; bytes: number }>();
  private checkAllProjects = true;
  private timer?: NodeJS.Timeout;
  private running: Promise<void> = Promise.resolve();
  /** Events deleted so far (age and quota). */
  deleted = 0;

  constructor(
    @Inject(stripeWebhooksConfig.KEY) private readonly config: StripeWebhooksConfig,
    private readonly events: StripeWebhookEventsRepository,
  ) {}

  /** O(1), no I/O: called for each event stored. */
  stored(projectId: string, bytes: number): void {
    let tally = this.touched.get(projectId);
    if (!tally) {
      if (this.touched.size >= MAX_TOUCHED) this.checkAllProjects = true;
      else this.touched.set(projectId, (tally = { events: 0, bytes: 0 }));
    }
    if (!tally) return;
    tally.events += 1;
    tally.bytes += bytes;
    if (tally.events >= this.config.eventQuotaCount || tally.bytes >= this.config.eventQuotaBytes) {
      tally.events = 0;
      tally.bytes = 0;
      void this.run(() => this.enforceQuota(projectId));
    }
  }

  /** One pass: the age limit, then the quota of the projects that stored events. Runs one at a time. */
  prune(): Promise<void> {
    return this.run(() => this.pass());
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.prune(), this.config.pruneIntervalMs);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private run(work: () => Promise<void>): Promise<void> {
    this.running = this.running.then(work).catch((error: unknown) => {
      this.logger.warn(`Could not prune stored webhook events: ${(error as Error).message}`);
    });
    return this.running;
  }

  private async pass(): Promise<void> {
    for (let i = 0; i < MAX_BATCHES; i++) {
      const deleted = await this.events.deleteOlderThan(this.config.eventRetentionMs, BATCH);
      this.deleted += deleted;
      if (deleted < BATCH) break;
    }
    const projects = [...this.touched.keys()].slice(0, MAX_PROJECTS_PER_RUN);
    if (this.checkAllProjects) {
      // After start-up (or when too many projects were touched to remember), every project holding events.
      this.checkAllProjects = false;
      const all = await this.events.projectsWithEvents(MAX_PROJECTS_PER_RUN * 10);
      projects.push(...all.filter((id) => !this.touched.has(id)));
    }
    for (const projectId of projects) await this.enforceQuota(projectId);
  }

  private async enforceQuota(projectId: string): Promise<void> {
    this.touched.delete(projectId);
    const { eventQuotaCount, eventQuotaBytes } = this.config;
    for (let i = 0; i < MAX_BATCHES; i++) {
      const deleted = await this.events.deleteBeyondQuota(projectId, eventQuotaCount, eventQuotaBytes, BATCH);
      this.deleted += deleted;
      if (deleted < BATCH) break;
    }
  }
}

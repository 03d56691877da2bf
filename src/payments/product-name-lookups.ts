import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { CredentialDecryptionError } from '../credentials/credential-cipher';
import type { StripeMode } from '../credentials/credential-fields';
import { CredentialsService } from '../credentials/credentials.service';
import { StripeConfigRepository } from '../stripe-config/stripe-config.repository';
import { StripeApiClient, StripeCallError } from '../stripe/stripe-api.client';
import { LedgerProductNamesRepository } from './ledger-product-names.repository';

/** Lookups waiting at most; more are dropped (asked again by the next event naming the product). */
const MAX_PENDING = 1_000;
/** Lookups running at once, across all projects. */
const CONCURRENCY = 2;
/** Products recently asked for (looked up, or failing): not asked again for this long. */
const RECENT_TTL_MS = 10 * 60_000;
const MAX_RECENT = 10_000;

interface Lookup {
  projectId: string;
  mode: StripeMode;
  productId: string;
}

/**
 * Looks up the names of products named by subscriptions whose price has no nickname, once per
 * project, mode and product, outside any delivery's transaction: a delivery only queues the lookup
 * (a bounded in-memory queue, two at a time), so Stripe's latency never holds a transaction or a
 * row lock. The name lands in ledger_product_names; lists read it with a join. A lookup lost at a
 * restart or dropped when the queue is full is asked again by the next event for the product.
 */
@Injectable()
export class ProductNameLookups implements OnModuleDestroy {
  private readonly logger = new Logger(ProductNameLookups.name);
  private readonly pending = new Map<string, Lookup>();
  /** key → until when it is not asked again. Insertion-ordered (oldest first). */
  private readonly recent = new Map<string, number>();
  private running = 0;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly names: LedgerProductNamesRepository,
    private readonly configs: StripeConfigRepository,
    private readonly credentials: CredentialsService,
    private readonly stripe: StripeApiClient,
  ) {}

  request(projectId: string, mode: StripeMode, productId: string): void {
    const key = `${projectId}:${mode}:${productId}`;
    if (this.stopped || this.pending.has(key) || (this.recent.get(key) ?? 0) > Date.now()) return;
    if (this.pending.size >= MAX_PENDING) return;
    this.pending.set(key, { projectId, mode, productId });
    // After the current tick: the delivery's transaction goes on without waiting.
    setImmediate(() => this.drain());
  }

  /** Resolves when no lookup is queued or running (tests, shutdown). */
  idle(): Promise<void> {
    if (this.running === 0 && this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    this.pending.clear();
    await this.idle();
  }

  private drain(): void {
    while (this.running < CONCURRENCY && this.pending.size > 0) {
      const [key, lookup] = this.pending.entries().next().value as [string, Lookup];
      this.pending.delete(key);
      this.remember(key);
      this.running += 1;
      void this.lookUp(lookup)
        .catch((error: unknown) => {
          this.logger.warn(
            `Product name lookup failed for ${lookup.productId} (${error instanceof Error ? error.message : 'unknown error'})`,
          );
        })
        .finally(() => {
          this.running -= 1;
          this.drain();
          if (this.running === 0 && this.pending.size === 0) {
            for (const resolve of this.idleWaiters.splice(0)) resolve();
          }
        });
    }
  }

  private remember(key: string): void {
    if (this.recent.size >= MAX_RECENT) this.recent.delete(this.recent.keys().next().value as string);
    this.recent.delete(key);
    this.recent.set(key, Date.now() + RECENT_TTL_MS);
  }

  private async lookUp({ projectId, mode, productId }: Lookup): Promise<void> {
    if (await this.names.has(projectId, mode, productId)) return;
    const config = await this.configs.findByProjectId(projectId);
    if (!config || !config.isActive) return;
    let secretKey: string | null;
    try {
      secretKey = this.credentials.reveal(config, `${mode}_secret_key`);
    } catch (error) {
      if (error instanceof CredentialDecryptionError) return;
      throw error;
    }
    if (!secretKey) return;
    try {
      const name = await this.stripe.productName(secretKey, productId);
      await this.names.save(projectId, mode, productId, name === null ? null : name.slice(0, 255));
    } catch (error) {
      if (error instanceof StripeCallError) return; // logged by the client; asked again after RECENT_TTL_MS
      throw error;
    }
  }
}

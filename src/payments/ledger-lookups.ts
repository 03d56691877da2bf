import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { CredentialDecryptionError } from '../credentials/credential-cipher';
import type { StripeMode } from '../stripe/stripe-keys';
import { StripeConfigCredentials } from '../stripe-config/stripe-config-credentials';
import { StripeConfigRepository } from '../stripe-config/stripe-config.repository';
import { StripeApiClient, StripeCallError } from '../stripe/stripe-api.client';
import { LedgerProductNamesRepository } from './ledger-product-names.repository';
import { LedgerPaymentsRepository } from './ledger-payments.repository';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** Lookups waiting at most; more are dropped (asked again by the next event naming the product). */
const MAX_PENDING = 1_000;
/**
 * Lookups one project may have waiting at most: a tenant whose deliveries name thousands of new
 * products cannot fill the queue, and other projects' lookups are still taken.
 */
const MAX_PENDING_PER_PROJECT = 50;
/** Lookups running at once, across all projects. */
const CONCURRENCY = 2;
/** Products recently asked for (looked up, or failing): not asked again for this long. */
const RECENT_TTL_MS = 10 * 60_000;
const MAX_RECENT = 10_000;

/** A product whose name is the plan name, or a 2025+ invoice whose payment intent is not known yet. */
interface Lookup {
  kind: 'product' | 'invoice';
  projectId: string;
  mode: StripeMode;
  id: string;
}

/**
 * What the ledger asks Stripe after a delivery, never inside its transaction: a delivery only queues
 * the lookup (a bounded in-memory queue, two at a time, at most MAX_PENDING_PER_PROJECT of one
 * project waiting), so Stripe's latency never holds a transaction or a row lock, nor the
 * receiver's per-project share (a delivery is answered before its lookups run). Two kinds, once per project, mode and id:
 * - the name of a product named by a subscription whose price has no nickname (the plan name), into
 *   ledger_product_names (lists read it with a join);
 * - the payment intent of a 2025+ invoice whose events do not name it (a failed invoice that is never
 *   paid emits no invoice_payment.paid): the invoice's row is then folded into the payment intent's,
 *   so one payment stays one row.
 * A lookup lost at a restart or dropped when the queue is full is asked again by the next event.
 */
@Injectable()
export class LedgerLookups implements OnModuleDestroy {
  private readonly logger = new Logger(LedgerLookups.name);
  private readonly pending = new Map<string, Lookup>();
  /** projectId → its lookups in `pending`. */
  private readonly pendingByProject = new Map<string, number>();
  /** key → until when it is not asked again. Insertion-ordered (oldest first). */
  private readonly recent = new Map<string, number>();
  private running = 0;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly names: LedgerProductNamesRepository,
    private readonly configs: StripeConfigRepository,
    private readonly credentials: StripeConfigCredentials,
    private readonly stripe: StripeApiClient,
    private readonly payments: LedgerPaymentsRepository,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  request(projectId: string, mode: StripeMode, productId: string): void {
    this.enqueue({ kind: 'product', projectId, mode, id: productId });
  }

  requestInvoicePayment(projectId: string, mode: StripeMode, invoiceId: string): void {
    this.enqueue({ kind: 'invoice', projectId, mode, id: invoiceId });
  }

  private enqueue(lookup: Lookup): void {
    const key = `${lookup.kind}:${lookup.projectId}:${lookup.mode}:${lookup.id}`;
    if (this.stopped || this.pending.has(key) || (this.recent.get(key) ?? 0) > Date.now()) return;
    if (this.pending.size >= MAX_PENDING) return;
    const ofProject = this.pendingByProject.get(lookup.projectId) ?? 0;
    if (ofProject >= MAX_PENDING_PER_PROJECT) return;
    this.pendingByProject.set(lookup.projectId, ofProject + 1);
    this.pending.set(key, lookup);
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
    this.pendingByProject.clear();
    await this.idle();
  }

  private drain(): void {
    while (this.running < CONCURRENCY && this.pending.size > 0) {
      const [key, lookup] = this.pending.entries().next().value as [string, Lookup];
      this.pending.delete(key);
      const left = (this.pendingByProject.get(lookup.projectId) ?? 1) - 1;
      if (left > 0) this.pendingByProject.set(lookup.projectId, left);
      else this.pendingByProject.delete(lookup.projectId);
      this.remember(key);
      this.running += 1;
      void this.lookUp(lookup)
        .catch((error: unknown) => {
          this.logger.warn(
            `Ledger lookup failed for ${lookup.kind} ${lookup.id} (${error instanceof Error ? error.message : 'unknown error'})`,
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

  private async lookUp({ kind, projectId, mode, id }: Lookup): Promise<void> {
    if (kind === 'product' && (await this.names.has(projectId, mode, id))) return;
    if (kind === 'invoice') {
      // Null too when the delivery that asked has not committed yet: the link below waits for it (the
      // invoice's advisory lock is held until then).
      const key = await this.payments.keyOfInvoice(this.dataSource.manager, projectId, mode, id);
      if (key !== null && key !== id) return; // already linked to its payment intent
    }
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
      if (kind === 'product') {
        const name = await this.stripe.productName(secretKey, id);
        await this.names.save(projectId, mode, id, name === null ? null : name.slice(0, 255));
        return;
      }
      const paymentIntent = await this.stripe.invoicePaymentIntent(secretKey, id);
      if (!paymentIntent || !/^[A-Za-z0-9_]{1,255}$/.test(paymentIntent)) return;
      await this.dataSource.transaction(async (tx) => {
        await this.payments.lockInvoice(tx, projectId, mode, id);
        const earlier = await this.payments.takeOtherRowOfInvoice(tx, projectId, mode, id, paymentIntent);
        if (earlier) await this.payments.upsert(tx, projectId, mode, earlier);
      });
    } catch (error) {
      if (error instanceof StripeCallError) return; // logged by the client; asked again after RECENT_TTL_MS
      throw error;
    }
  }
}

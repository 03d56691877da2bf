import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { StripeMode } from '../stripe/stripe-keys';
import { StripeConfigCredentials } from '../stripe-config/stripe-config-credentials';
import { StripeApiClient } from '../stripe/stripe-api.client';
import { StripeConfigRepository } from '../stripe-config/stripe-config.repository';
import { WebhookFailureCounter } from './webhook-failure-counter';
import type { UnconfirmedRefusal, WebhookFailureCause } from './webhook-failures';
import { stripeWebhooksConfig, type StripeWebhooksConfig } from './stripe-webhooks.config';

/** A delivery refused after reaching the signature check, as the receiver saw it. */
export interface Refusal {
  projectId: string;
  /** The URL's mode (where it is counted). */
  mode: StripeMode;
  cause: WebhookFailureCause;
  clientAddress: string | null;
  at: Date;
}

type Outcome = 'confirmed' | UnconfirmedRefusal;

/**
 * Only the start of a body is looked at, and only for an id where Stripe puts it: first member of the
 * event object (`{"id": "evt_...", "object": "event", ...}`). Nothing else of an unverified body is read.
 */
const EVENT_ID_AT_START = /^\s*\{\s*"id"\s*:\s*"(evt_[A-Za-z0-9]{1,255})"\s*[,}]/;
const EVENT_ID_WINDOW_BYTES = 320;

/** The event id at the start of an (unverified) delivery's body, or null. Bounded: reads 320 bytes at most. */
export function eventIdOf(rawBody: Buffer | undefined): string | null {
  if (!rawBody) return null;
  return EVENT_ID_AT_START.exec(rawBody.subarray(0, EVENT_ID_WINDOW_BYTES).toString('latin1'))?.[1] ?? null;
}

/** Calls to Stripe in flight at once, all projects together; more refusals count as unconfirmed. */
const MAX_IN_FLIGHT = 16;
/** Refusals of one event id waiting for its confirmation; more are counted as unconfirmed at once. */
const MAX_WAITING_PER_EVENT = 1_000;
/** Outcomes remembered per (project, key mode, event id): a redelivered event costs no second call. */
const MAX_REMEMBERED = 10_000;
const REMEMBER_SETTLED_MS = 60 * 60_000;
/** A call that could not tell is tried again after this (still within the per-minute budget). */
const REMEMBER_UNCONFIRMED_MS = 60_000;
/** Projects whose per-minute budget is tracked at once (the oldest windows are dropped first). */
const MAX_BUDGETS = 10_000;

/**
 * Decides whether a refused delivery may blame the project's setup. Anyone can POST to a project's
 * receiver URL, so a refusal counts under its cause (secret mismatch, clock skew, wrong URL mode)
 * only once Stripe confirms, with the project's own stored key, that its account sent that event
 * (`GET /v1/events/{id}` → 200). A 404 counts as `unknown_to_account`; anything else (no id, no key,
 * 403, 401, 429, 5xx, time-out, budget used up) as `unconfirmed`.
 *
 * The receiver's answer never waits for this: `refused` is synchronous and O(1); the call runs in the
 * background. Calls are deduplicated per event id (every refusal of that event waits for one call),
 * limited per project per minute (WEBHOOK_CONFIRM_RATE, so strangers cannot spend the owner's Stripe
 * rate limit) and to MAX_IN_FLIGHT at once.
 */
@Injectable()
export class WebhookDeliveryConfirmer implements OnModuleDestroy {
  private readonly logger = new Logger('WebhookRefusals');
  /** (project, key mode, event id) → the refusals waiting for the one call in flight. */
  private readonly inFlight = new Map<string, Refusal[]>();
  private readonly running = new Set<Promise<void>>();
  /** Settled outcomes, insertion-ordered (the oldest are dropped first). */
  private readonly settled = new Map<string, { outcome: Outcome; until: number }>();
  /** Per project: the current minute's window and the calls made in it. */
  private readonly budgets = new Map<string, { windowStart: number; used: number }>();
  /** Calls made to Stripe so far (tests and the log read it). */
  callsMade = 0;

  constructor(
    @Inject(stripeWebhooksConfig.KEY) private readonly config: StripeWebhooksConfig,
    private readonly counter: WebhookFailureCounter,
    private readonly stripe: StripeApiClient,
    private readonly configs: StripeConfigRepository,
    private readonly credentials: StripeConfigCredentials,
  ) {}

  /**
   * Counts a refusal once its outcome is known. `eventId`: the verified event's id when the signature
   * held (wrong URL mode), else null to read it from the unverified body; `keyMode`: the mode whose
   * key asks Stripe (the event's own mode).
   */
  refused(refusal: Refusal, rawBody: Buffer | undefined, keyMode: StripeMode, eventId: string | null = null): void {
    const id = eventId ?? eventIdOf(rawBody);
    if (!id) return this.count(refusal, 'unconfirmed');
    const key = `${refusal.projectId}|${keyMode}|${id}`;
    const known = this.settled.get(key);
    if (known && known.until > Date.now()) return this.count(refusal, known.outcome);
    const waiting = this.inFlight.get(key);
    if (waiting) {
      if (waiting.length >= MAX_WAITING_PER_EVENT) return this.count(refusal, 'unconfirmed');
      waiting.push(refusal);
      return;
    }
    if (this.inFlight.size >= MAX_IN_FLIGHT || !this.takeBudget(refusal.projectId)) {
      return this.count(refusal, 'unconfirmed');
    }
    this.inFlight.set(key, [refusal]);
    const run = this.confirm(refusal.projectId, keyMode, id).then((outcome) => {
      const refusals = this.inFlight.get(key) ?? [];
      this.inFlight.delete(key);
      this.remember(key, outcome);
      for (const r of refusals) this.count(r, outcome);
    });
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
  }

  /** Resolves once every confirmation started so far has been counted. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  /** Before the pool closes: what is being confirmed is counted and written. */
  async onModuleDestroy(): Promise<void> {
    await this.idle();
    await this.counter.flush();
  }

  private count(refusal: Refusal, outcome: Outcome): void {
    const cause = outcome === 'confirmed' ? refusal.cause : outcome;
    this.counter.record(refusal.projectId, refusal.mode, cause, refusal.at, refusal.clientAddress);
  }

  /** One call of the project's per-minute budget, if any is left. */
  private takeBudget(projectId: string): boolean {
    const windowStart = Math.floor(Date.now() / 60_000) * 60_000;
    let budget = this.budgets.get(projectId);
    if (!budget || budget.windowStart !== windowStart) {
      this.budgets.delete(projectId);
      if (this.budgets.size >= MAX_BUDGETS) this.budgets.delete(this.budgets.keys().next().value as string);
      budget = { windowStart, used: 0 };
      this.budgets.set(projectId, budget);
    }
    if (budget.used >= this.config.confirmationsPerProjectPerMinute) return false;
    budget.used += 1;
    return true;
  }

  private remember(key: string, outcome: Outcome): void {
    if (this.settled.size >= MAX_REMEMBERED) this.settled.delete(this.settled.keys().next().value as string);
    const ttl = outcome === 'unconfirmed' ? REMEMBER_UNCONFIRMED_MS : REMEMBER_SETTLED_MS;
    this.settled.set(key, { outcome, until: Date.now() + ttl });
  }

  /** Never throws: whatever goes wrong leaves the refusal unconfirmed. */
  private async confirm(projectId: string, keyMode: StripeMode, eventId: string): Promise<Outcome> {
    try {
      const config = await this.configs.findByProjectId(projectId);
      const key = config?.isActive ? this.credentials.reveal(config, `${keyMode}_secret_key`) : null;
      if (!key) return 'unconfirmed';
      this.callsMade += 1;
      return (await this.stripe.eventExists(key, eventId)) ? 'confirmed' : 'unknown_to_account';
    } catch (error) {
      // StripeApiClient has logged the failure (kind and status, never the key).
      if (!(error instanceof Error && error.name === 'StripeCallError')) {
        this.logger.warn(`Could not confirm a refused delivery: ${(error as Error).message}`);
      }
      return 'unconfirmed';
    }
  }
}

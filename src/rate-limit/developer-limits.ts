import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { RateLimitConfig } from './rate-limit.config';

/** The kinds of operation limited per developer; an operation opts into one (rate-limit.decorators.ts). */
export type DeveloperLimitKind = 'write' | 'listing' | 'event-read';

/** Route config (Fastify's route `config`) of an operation limited per developer. */
export interface DeveloperLimitRouteConfig {
  developerLimit?: DeveloperLimitKind;
}

/**
 * The developer a request's `Authorization` header speaks for, from a bearer token whose signature
 * and times are verified; undefined when there is none or it does not verify. Handed in by the
 * composition root (the auth feature knows how tokens are made).
 */
type VerifiedSubjectReader = (authorization: string | undefined) => string | undefined;

type DeveloperLimitsConfig = RateLimitConfig['developer'];

/** Seconds a refused request is told to wait: slots free as soon as requests in flight are answered. */
const DEVELOPER_LIMIT_RETRY_AFTER_SECONDS = 1;

const DETAILS: Record<DeveloperLimitKind, string> = {
  write: 'Too many writes of this developer in flight',
  listing: 'Too many listings of this developer in flight',
  'event-read': 'Too many event reads of this developer in flight',
};

/** The answer of a refused request (also the spec's example). */
export function developerLimitDetail(kind: DeveloperLimitKind): string {
  return `${DETAILS[kind]}. Retry after ${DEVELOPER_LIMIT_RETRY_AFTER_SECONDS} second.`;
}

/** Bytes a developer's writes and event reads may move per second (see DeveloperLimits.charge). */
export function developerBytesDetail(retryAfterSeconds: number): string {
  const unit = retryAfterSeconds === 1 ? 'second' : 'seconds';
  return `This developer's writes and event reads have used their bytes per second. Retry after ${retryAfterSeconds} ${unit}.`;
}

/** The kinds whose bytes are charged to the developer's byte rate. */
const CHARGED_KINDS: ReadonlySet<DeveloperLimitKind> = new Set(['write', 'event-read']);

interface ByteBucket {
  /** Bytes that may still be moved; negative: owed (the last request was let in whole). */
  balance: number;
  updatedAtMs: number;
}

interface InFlight {
  count: number;
  bytes: number;
}

/**
 * What each developer has in flight in this process, per kind: a request takes a slot (and, for a
 * write, its declared body bytes) when it arrives and gives it back when its response is done or its
 * connection closes. Refused when the developer's slots of that kind are all taken, or when a write's
 * bytes would exceed the byte budget (a write is always let in when its developer has no write in
 * flight, whatever its size). Nothing is shared between developers: one developer's requests never
 * wait for, or are refused because of, another's.
 */
export class DeveloperLimits {
  private readonly inFlight = new Map<string, InFlight>();
  private readonly buckets = new Map<string, ByteBucket>();

  constructor(
    private readonly limits: DeveloperLimitsConfig,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /**
   * The developer's byte rate (DEVELOPER_BYTES_PER_SECOND): what its write bodies and served events
   * cost the main thread grows with their bytes, so bytes per second bound the share of it one
   * developer takes, whatever its concurrency. A bucket of one second's bytes, refilled continuously;
   * a request is let in while the bucket is not owed, and its bytes are charged in full (so one
   * request of any allowed size always passes a bucket that is not owed). Answers the whole seconds
   * to wait while the developer owes bytes, 0 when it may go on.
   */
  bytesWaitSeconds(developer: string): number {
    const rate = this.limits.bytesPerSecond;
    if (rate === 0) return 0;
    const balance = this.refilled(developer).balance;
    return balance > 0 ? 0 : Math.max(1, Math.ceil(-balance / rate));
  }

  /** Charges `bytes` moved by one of the developer's writes or event reads to its byte rate. */
  charge(developer: string, bytes: number): void {
    if (this.limits.bytesPerSecond === 0 || bytes <= 0) return;
    const bucket = this.refilled(developer);
    bucket.balance -= bytes;
    this.buckets.set(developer, bucket);
  }

  /** The developer's bucket brought to now; a full one is forgotten (only owing or spending ones are kept). */
  private refilled(developer: string): ByteBucket {
    const rate = this.limits.bytesPerSecond;
    const now = this.nowMs();
    const bucket = this.buckets.get(developer);
    if (!bucket) return { balance: rate, updatedAtMs: now };
    bucket.balance = Math.min(rate, bucket.balance + ((now - bucket.updatedAtMs) * rate) / 1000);
    bucket.updatedAtMs = now;
    if (bucket.balance >= rate) this.buckets.delete(developer);
    return bucket;
  }

  /** Takes a slot; answers its release (call once), or undefined when refused. */
  tryAcquire(kind: DeveloperLimitKind, developer: string, bytes = 0): (() => void) | undefined {
    const max = this.maxConcurrent(kind);
    if (max === 0) return () => undefined;
    const key = `${kind}:${developer}`;
    const current = this.inFlight.get(key) ?? { count: 0, bytes: 0 };
    const byteBudget = kind === 'write' ? this.limits.maxWriteBytesInFlight : 0;
    if (current.count >= max) return undefined;
    if (byteBudget > 0 && current.count > 0 && current.bytes + bytes > byteBudget) return undefined;
    current.count += 1;
    current.bytes += bytes;
    this.inFlight.set(key, current);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      current.count -= 1;
      current.bytes -= bytes;
      if (current.count === 0) this.inFlight.delete(key);
    };
  }

  /** Requests of `kind` in flight for `developer` (for tests and diagnostics). */
  inFlightOf(kind: DeveloperLimitKind, developer: string): InFlight {
    return { ...(this.inFlight.get(`${kind}:${developer}`) ?? { count: 0, bytes: 0 }) };
  }

  private maxConcurrent(kind: DeveloperLimitKind): number {
    if (kind === 'write') return this.limits.maxConcurrentWrites;
    return kind === 'listing' ? this.limits.maxConcurrentListings : this.limits.maxConcurrentEventReads;
  }
}

/** How an admitted request charges what it serves to its developer's byte rate (chargeDeveloperBytes). */
const chargeOf = new WeakMap<IncomingMessage, (bytes: number) => void>();

/**
 * Charges the bytes a response of an operation limited per developer carries (e.g. a stored event
 * served whole) to the developer's byte rate; nothing for a request that was not counted.
 */
export function chargeDeveloperBytes(request: Pick<FastifyRequest, 'raw'>, bytes: number): void {
  chargeOf.get(request.raw)?.(bytes);
}

/**
 * The body bytes a request says it brings: its Content-Length (at most `bodyLimitBytes`: a larger
 * one is a 413 before any byte is read), or `bodyLimitBytes` when it is sent chunked.
 */
function declaredBodyBytes(request: FastifyRequest, bodyLimitBytes: number): number {
  const headers = request.headers;
  if (headers['transfer-encoding'] !== undefined) return bodyLimitBytes;
  const length = Number(headers['content-length'] ?? 0);
  return Number.isFinite(length) && length > 0 ? Math.min(length, bodyLimitBytes) : 0;
}

/**
 * Counts each operation marked with a developer limit when its request arrives (writes and event
 * reads are also refused while their developer owes bytes, see DeveloperLimits.bytesWaitSeconds; a
 * write's declared body bytes are charged when it is let in, and an event read's served bytes by
 * its handler through chargeDeveloperBytes): a route `onRequest`
 * hook, which runs before its body is read or parsed (request-body.ts reads it in `preValidation`) and
 * before any Nest guard. A request whose bearer token does not verify is let through untouched (the
 * bearer guard answers it 401); one over its developer's limit is answered 429 `{"detail"}` with
 * `Retry-After` at once, its body left unread (and its connection closed when it may carry one, so
 * that the body is never read). Must be installed before the routes are registered.
 */
export function installDeveloperLimits(
  fastify: FastifyInstance,
  options: { limits: DeveloperLimitsConfig; subjectOf: VerifiedSubjectReader; bodyLimitBytes: number },
): DeveloperLimits {
  const limits = new DeveloperLimits(options.limits);
  const hookFor =
    (kind: DeveloperLimitKind) =>
    (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void): void => {
      const developer = options.subjectOf(request.headers.authorization);
      if (developer === undefined) return done();
      const bytes = kind === 'write' ? declaredBodyBytes(request, options.bodyLimitBytes) : 0;
      const charged = CHARGED_KINDS.has(kind);
      const waitSeconds = charged ? limits.bytesWaitSeconds(developer) : 0;
      const release = waitSeconds === 0 ? limits.tryAcquire(kind, developer, bytes) : undefined;
      if (release) {
        reply.raw.once('close', release);
        if (charged) {
          limits.charge(developer, bytes);
          chargeOf.set(request.raw, (served) => limits.charge(developer, served));
        }
        return done();
      }
      const retryAfter = waitSeconds || DEVELOPER_LIMIT_RETRY_AFTER_SECONDS;
      void reply.status(429).header('Retry-After', String(retryAfter));
      if (bytes > 0) void reply.header('Connection', 'close');
      void reply.send({ detail: waitSeconds ? developerBytesDetail(waitSeconds) : developerLimitDetail(kind) });
    };
  const hooks = { write: hookFor('write'), listing: hookFor('listing'), 'event-read': hookFor('event-read') };
  fastify.addHook('onRoute', (route: RouteOptions) => {
    const kind = (route.config as DeveloperLimitRouteConfig | undefined)?.developerLimit;
    if (!kind) return;
    const existing = route.onRequest ? [route.onRequest].flat() : [];
    // Options seen twice (a HEAD route derived from its GET may carry the GET's hooks) get the hook once.
    if (existing.includes(hooks[kind])) return;
    route.onRequest = [...existing, hooks[kind]];
  });
  return limits;
}

import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type FakeStripeHandler = (req: RecordedRequest, res: ServerResponse) => boolean | void;

/** Stripe's error JSON, as documented at https://docs.stripe.com/api/errors. */
export function stripeError(res: ServerResponse, status: number, error: Record<string, unknown>): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Request-Id': `req_${Date.now()}` });
  res.end(JSON.stringify({ error }));
}

function maskedKey(auth: string | undefined): string {
  const key = (auth ?? '').replace(/^Bearer\s+/i, '');
  return `${key.slice(0, 8)}*********${key.slice(-4)}`;
}

/**
 * A local HTTP server that answers like Stripe's API for the keys it knows: a 200 balance object for
 * a good key, 401 for an unknown one, and whatever a test's own handler says. It records every
 * request so tests can assert what was sent.
 */
export class FakeStripe {
  readonly requests: RecordedRequest[] = [];
  private server?: Server;
  private handlers: FakeStripeHandler[] = [];
  /** Keys Stripe accepts. */
  readonly validKeys = new Set<string>();

  get url(): string {
    const address = this.server?.address() as { port: number } | null;
    if (!address) throw new Error('FakeStripe is not started');
    return `http://127.0.0.1:${address.port}`;
  }

  use(handler: FakeStripeHandler): void {
    this.handlers.unshift(handler);
  }

  reset(): void {
    this.requests.length = 0;
    this.handlers = [];
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const recorded: RecordedRequest = {
          method: req.method ?? 'GET',
          path: req.url ?? '/',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        this.requests.push(recorded);
        for (const handler of this.handlers) if (handler(recorded, res)) return;
        this.defaultHandler(recorded, res);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private defaultHandler(req: RecordedRequest, res: ServerResponse): void {
    const key = (req.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
    if (!this.validKeys.has(key)) {
      stripeError(res, 401, {
        message: `Invalid API Key provided: ${maskedKey(req.headers.authorization)}`,
        type: 'invalid_request_error',
      });
      return;
    }
    if (req.method === 'GET' && req.path.startsWith('/v1/balance')) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify({
          object: 'balance',
          available: [{ amount: 0, currency: 'usd', source_types: { card: 0 } }],
          livemode: key.includes('_live_'),
          pending: [{ amount: 0, currency: 'usd', source_types: { card: 0 } }],
        }),
      );
      return;
    }
    stripeError(res, 404, {
      message: `Unrecognized request URL (${req.method}: ${req.path}).`,
      type: 'invalid_request_error',
    });
  }
}

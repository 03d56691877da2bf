import { randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import Stripe from 'stripe';

/** Requests an attacker sends to bloat the service's memory (test/memory-bounds-round3, test/memory-floods). */

export const receiverPath = (projectId: string) => `/api/v1/payments/stripe/webhooks/${projectId}/test`;
export const sign = (payload: string, secret: string) => Stripe.webhooks.generateTestHeaderString({ payload, secret });

/** A test-mode event whose `data.object` is `object` (JSON text, spliced in as it is). */
export function eventText(objectJson: string): { id: string; payload: string } {
  const id = `evt_${randomBytes(10).toString('hex')}`;
  const head = `{"id":"${id}","object":"event","type":"invoice.paid","created":${Math.floor(Date.now() / 1000)},"livemode":false,"data":{"object":`;
  return { id, payload: `${head}${objectJson}}}` };
}

/** `[{},{},...]` of about `bytes` bytes: the shape that grows most once parsed (per value). */
export const emptyObjects = (bytes: number) =>
  `[${Array.from({ length: Math.floor(bytes / 3) }, () => '{}').join(',')}]`;

export interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

/** One request over its own connection, answered or failed (a reset connection is status 0). */
export function send(url: string, method: string, path: string, headers: Record<string, string>, body?: string) {
  return new Promise<Answer>((resolve) => {
    const target = new URL(url);
    const req = httpRequest(
      { host: target.hostname, port: target.port, method, path, headers: { Connection: 'close', ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }),
        );
        res.on('error', () => resolve({ status: 0, headers: {}, body: '' }));
      },
    );
    req.on('error', () => resolve({ status: 0, headers: {}, body: '' }));
    req.end(body);
  });
}

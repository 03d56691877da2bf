import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';

/** The response header that carries the request id (see requestIdOf for how it is chosen). */
export const REQUEST_ID_HEADER = 'X-Request-Id';

/** Who and where a request came from, as recorded by the audit trail. */
export interface RequestMeta {
  requestId: string;
  clientIp: string | null;
}

/** A Fastify request, or the Node.js request under it (Fastify's `genReqId` gets that one). */
type RequestWithId = Pick<IncomingMessage, 'headers'> & { id?: unknown };

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The request id: `req.id` when already set, else the
 * incoming `X-Request-Id` header when it is a plain token of at most 128 characters, else a new
 * uuid (stored on `req.id` so every reader of this request sees the same one). It is also Fastify's
 * `genReqId` (see createApp), so `FastifyRequest.id`, the log lines and `X-Request-Id` agree.
 */
export function requestIdOf(req: RequestWithId): string {
  const withId = req as RequestWithId;
  if ((typeof withId.id === 'string' && withId.id !== '') || typeof withId.id === 'number') return String(withId.id);
  const header = req.headers['x-request-id'];
  const id = typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
  withId.id = id;
  return id;
}

/**
 * The client's IP address: the peer's, or the one X-Forwarded-For names when TRUST_PROXY trusts the
 * proxy in front. Fastify takes the forwarded value as it is, so anything a client puts there
 * (`<script>`) would pass for an address: only a valid IPv4 or IPv6 address is kept, else null.
 */
export function clientIpOf(req: Pick<FastifyRequest, 'ip'>): string | null {
  const ip = req.ip;
  return typeof ip === 'string' && isIP(ip) !== 0 ? ip : null;
}

export function requestMetaOf(req: FastifyRequest): RequestMeta {
  return { requestId: requestIdOf(req), clientIp: clientIpOf(req) };
}

/** Param decorator: the current request's {@link RequestMeta}. */
export const CurrentRequestMeta = createParamDecorator((_data: unknown, ctx: ExecutionContext): RequestMeta =>
  requestMetaOf(ctx.switchToHttp().getRequest<FastifyRequest>()),
);

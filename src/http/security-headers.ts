import helmet from 'helmet';
import type { IncomingMessage, OutgoingHttpHeader, ServerResponse } from 'node:http';

// Security headers. Swagger UI (/docs) needs inline styles and data: images; nothing else is HTML.
export const securityHeadersMiddleware = helmet({
  contentSecurityPolicy: {
    directives: {
      'img-src': ["'self'", 'data:'],
      'style-src': ["'self'", "'unsafe-inline'"],
      // Served over plain HTTP (e.g. http://host:3000/docs), the upgrade would break Swagger UI's assets.
      'upgrade-insecure-requests': null,
    },
  },
});

/**
 * The headers helmet sets, computed once: with this configuration they do not depend on the request
 * (no nonce, no function directive), so helmet runs once at start-up against a recording response
 * and each request only copies the result instead of running helmet's 13 middlewares
 * (what that saves per request: docs/benchmarks.md). The only other thing helmet does,
 * removing X-Powered-By, is moot: Fastify sends none.
 *
 * Not @fastify/helmet: that plugin is a wrapper that runs the same helmet middlewares in an
 * `onRequest` hook on every request, the per-request cost this file avoids. The set is still
 * helmet's own (its defaults plus the CSP changes above, checked against a response helmet wrote in
 * security-headers.spec.ts), and no Express middleware runs inside a Fastify hook: helmet runs here,
 * once, at start-up.
 */
export function computeSecurityHeaders(): ReadonlyArray<readonly [string, OutgoingHttpHeader]> {
  const headers: Array<readonly [string, OutgoingHttpHeader]> = [];
  const recorder = {
    setHeader: (name: string, value: OutgoingHttpHeader) => headers.push([name, value]),
    removeHeader: () => undefined,
  };
  let failure: unknown;
  securityHeadersMiddleware({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    failure = error;
  });
  if (failure) throw failure instanceof Error ? failure : new Error(String(failure));
  return headers;
}

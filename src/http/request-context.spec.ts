import type { FastifyRequest } from 'fastify';
import { requestIdOf, requestMetaOf } from './request-context';

const req = (init: { id?: unknown; header?: string; ip?: string }) =>
  ({
    id: init.id,
    headers: init.header === undefined ? {} : { 'x-request-id': init.header },
    ip: init.ip,
  }) as unknown as FastifyRequest;

describe('request context', () => {
  it('prefers req.id (set by a request logger)', () => {
    expect(requestIdOf(req({ id: 'from-logger', header: 'from-header' }))).toBe('from-logger');
  });

  it('else uses a well-formed X-Request-Id', () => {
    expect(requestIdOf(req({ header: 'abc-123' }))).toBe('abc-123');
  });

  it('else generates a uuid, once per request', () => {
    const r = req({ header: 'bad id with spaces' });
    const id = requestIdOf(r);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdOf(r)).toBe(id);
    expect(requestIdOf(req({ header: 'x'.repeat(129) }))).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('carries the client IP', () => {
    expect(requestMetaOf(req({ header: 'r1', ip: '10.0.0.1' }))).toEqual({ requestId: 'r1', clientIp: '10.0.0.1' });
    expect(requestMetaOf(req({ header: 'r1' })).clientIp).toBeNull();
  });
});

import type { FastifyReply, FastifyRequest } from 'fastify';
import pino from 'pino';
import { LogCapture } from '../../test/helpers/log-capture';
import { AppLogger, logRequestCompleted } from './app-logger';
import { buildLoggerOptions, buildRequestLoggerOptions } from './logger-options';

function capture() {
  const logs = new LogCapture();
  return { logs, root: pino(buildLoggerOptions({ level: 'debug' }), logs) };
}

function captureRequestLines() {
  const logs = new LogCapture();
  return { logs, root: pino(buildRequestLoggerOptions({ level: 'debug' }), logs) };
}

function request(url: string, id = 'req-1'): FastifyRequest {
  return {
    id,
    method: 'GET',
    raw: { url, socket: { remoteAddress: '127.0.0.1' } },
  } as unknown as FastifyRequest;
}

describe('AppLogger (Nest logs as pino lines)', () => {
  it('puts the context in `context`, a stack passed by Nest in `err`, and masks Stripe keys', () => {
    const { logs, root } = capture();
    const logger = new AppLogger(root);
    logger.log('started', 'Bootstrap');
    logger.error('Boom', 'Error: Boom\n    at handler (a.js:1:1)', 'ExceptionsHandler');
    logger.warn({ msg: 'bad key sk_test_abcdefgh1234', req: { id: 'r1', method: 'PUT', url: '/x' } }, undefined, 'F');
    logger.debug('hidden at info', 'X');
    const [started, boom, warned, debug] = logs.entries();
    expect(started).toMatchObject({ level: 30, context: 'Bootstrap', msg: 'started' });
    expect(boom).toMatchObject({ level: 50, context: 'ExceptionsHandler', err: { message: 'Boom' } });
    expect((boom.err as { stack: string }).stack).toContain('at handler');
    expect(warned).toMatchObject({ level: 40, context: 'F', msg: 'bad key sk_test_...1234', req: { id: 'r1' } });
    expect(debug).toMatchObject({ level: 20, context: 'X' });
  });
});

describe('logRequestCompleted (the request line)', () => {
  it('writes one line with req, res.statusCode and responseTime; 4xx at warn, 5xx at error; the URL masked', () => {
    const { logs, root } = captureRequestLines();
    for (const statusCode of [200, 404, 503])
      logRequestCompleted(root, request('/api/v1/x?note=sk_live_abcdefgh9876&access_token=abc'), {
        statusCode,
        elapsedTime: 1.6,
      } as FastifyReply);
    const lines = logs.entries();
    expect(lines.map((l) => l.level)).toEqual([30, 40, 50]);
    expect(lines[0]).toMatchObject({
      msg: 'request completed',
      req: {
        id: 'req-1',
        method: 'GET',
        url: '/api/v1/x?note=sk_live_...9876&access_token=[Redacted]',
        remoteAddress: '127.0.0.1',
      },
      res: { statusCode: 200 },
      responseTime: 2,
    });
  });

  it('masks a request id shaped like a Stripe key and a JWT or key in the path (the line is not walked again)', () => {
    const { logs, root } = captureRequestLines();
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    logRequestCompleted(root, request(`/api/v1/${jwt}/sk_test_abcdefgh4321`, 'sk_live_abcdefgh5678'), {
      statusCode: 200,
      elapsedTime: 1,
    } as FastifyReply);
    const text = logs.text();
    expect(text).not.toContain('abcdefgh');
    expect(text).not.toContain(jwt);
    expect(logs.entries()[0]).toMatchObject({
      req: { id: 'sk_live_...5678', url: '/api/v1/[Redacted]/sk_test_...4321' },
    });
  });
});

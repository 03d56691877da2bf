import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { sanitizeLogObject } from './logger-options';

describe('sanitizeLogObject', () => {
  it('censors secret-named keys at any depth, whatever their case', () => {
    const deep = { a: { b: { c: { d: { e: { password: 'hunter22', Authorization: 'Bearer abc', keep: 1 } } } } } };
    const out = sanitizeLogObject(deep);
    expect(out.a.b.c.d.e).toEqual({ password: '[Redacted]', Authorization: '[Redacted]', keep: 1 });
    expect(deep.a.b.c.d.e.password).toBe('hunter22'); // the logged object itself is not modified
  });

  it('masks Stripe key shapes in any string, arrays included', () => {
    const out = sanitizeLogObject({ msg: 'bad key sk_test_abcdefgh1234', list: ['whsec_zzzzzzzz9876'] });
    expect(out).toEqual({ msg: 'bad key sk_test_...1234', list: ['whsec_...9876'] });
  });

  it('returns the same object when nothing needs cleaning, and survives cycles', () => {
    const clean: Record<string, unknown> = { statusCode: 200, url: '/api/v1/health' };
    clean.self = clean;
    expect(sanitizeLogObject(clean)).toBe(clean);
  });

  it('leaves raw http messages to the serializers (not walked)', () => {
    const req = new IncomingMessage(new Socket());
    const object = { req, responseTime: 3 };
    expect(sanitizeLogObject(object)).toBe(object);
  });
});

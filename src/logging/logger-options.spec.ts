import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { sanitizeLogObject, sanitizeUrlForLog } from './logger-options';

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

describe('sanitizeUrlForLog', () => {
  const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlLXZhbHVl';

  it('redacts query parameters named like credentials, whatever their case or encoding', () => {
    expect(
      sanitizeUrlForLog('/a?access_token=abc&API_KEY=k1&client%5Fsecret=s&password=p&sig=x&signature=y&page=2'),
    ).toBe(
      '/a?access_token=[Redacted]&API_KEY=[Redacted]&client%5Fsecret=[Redacted]&password=[Redacted]&sig=[Redacted]&signature=[Redacted]&page=2',
    );
  });

  it('redacts JWT-shaped values under any name and in the path; masks Stripe keys', () => {
    expect(sanitizeUrlForLog(`/a?q=${jwt}&x=sk_test_abcdefgh1234`)).toBe('/a?q=[Redacted]&x=sk_test_...1234');
    expect(sanitizeUrlForLog(`/a/${jwt}/b`)).toBe('/a/[Redacted]/b');
    expect(sanitizeUrlForLog(`/a?q=${jwt.replace(/\./g, '%2E')}`)).toBe('/a?q=[Redacted]');
  });

  it('leaves ordinary URLs alone', () => {
    expect(sanitizeUrlForLog('/api/v1/projects/?page=2&page_size=10&type=a%20b')).toBe(
      '/api/v1/projects/?page=2&page_size=10&type=a%20b',
    );
  });
});

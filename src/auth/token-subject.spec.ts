import { createHmac, randomUUID } from 'node:crypto';
import { verifiedSubjectReader } from './token-subject';

const SECRET = 'a-test-secret-of-some-length-0123456789';
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

function token(claims: object, secret = SECRET, header: object = { alg: 'HS256', typ: 'JWT' }): string {
  const unsigned = `${b64(header)}.${b64(claims)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

describe('verifiedSubjectReader', () => {
  const read = verifiedSubjectReader({ jwtSecret: SECRET });
  const now = Math.floor(Date.now() / 1000);
  const id = randomUUID();

  it('reads the subject of a token signed with the secret, lower-cased', () => {
    expect(read(`Bearer ${token({ sub: id.toUpperCase(), exp: now + 60 })}`)).toBe(id);
    // The same again (remembered): the same answer.
    expect(read(`Bearer ${token({ sub: id.toUpperCase(), exp: now + 60 })}`)).toBe(id);
    expect(read(`bearer ${token({ sub: id, exp: now + 60 })}`)).toBe(id);
  });

  it.each([
    ['no header', undefined],
    ['another scheme', `Basic ${token({ sub: id, exp: now + 60 })}`],
    ['another secret', `Bearer ${token({ sub: id, exp: now + 60 }, 'another-secret-entirely-0123456789')}`],
    ['alg none', `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: id, exp: now + 60 })}.`],
    ['expired', `Bearer ${token({ sub: id, exp: now - 10 })}`],
    ['no exp', `Bearer ${token({ sub: id })}`],
    ['iat far ahead', `Bearer ${token({ sub: id, exp: now + 3600, iat: now + 600 })}`],
    ['a subject that is not a UUID', `Bearer ${token({ sub: 'admin', exp: now + 60 })}`],
    ['garbage', 'Bearer not.a.token'],
  ])('reads nothing from %s', (_name, authorization) => {
    expect(read(authorization)).toBeUndefined();
  });
});

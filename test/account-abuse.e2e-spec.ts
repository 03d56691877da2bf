import { registerDeveloper, uniqueEmail } from './helpers/fixtures';
import { createTestApp, TestApp } from './helpers/test-app';

function expectTooManyRequests(res: { status: number; body: unknown; headers: Record<string, string> }) {
  expect(res.status).toBe(429);
  expect(res.body).toEqual({ detail: expect.stringMatching(/^Too many requests/) });
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
}

/** Doors an anonymous caller can reach on the account endpoints: login limit keys, sign-up floods. */
describe('Account abuse (e2e)', () => {
  describe('the per-account login limit', () => {
    let t: TestApp;
    // Per-IP limit out of the way: only the per-account one is under test.
    beforeAll(
      async () => (t = await createTestApp({ env: { RATE_LIMIT_LOGIN: '3/60', RATE_LIMIT_LOGIN_IP: '1000/60' } })),
    );
    afterAll(() => t?.close());

    it('counts the account whose password is checked: a decoy `email` in the OAuth2 form does not reset it', async () => {
      const victim = await registerDeveloper(t);
      for (let i = 0; i < 3; i += 1)
        await t
          .http()
          .post('/api/v1/auth/login')
          .send({ email: victim.email, password: `wrong-${i}` })
          .expect(401);
      expectTooManyRequests(
        await t.http().post('/api/v1/auth/login').send({ email: victim.email, password: victim.password }),
      );
      // The form checks `username`: a decoy `email` field (new each time), case, spaces and full-width
      // spellings (which the lookup normalises to the same account) change nothing.
      const fullWidth = victim.email.replace(/[a-z]/g, (c) => String.fromCodePoint(c.codePointAt(0)! + 0xfee0));
      const variants = [victim.email, victim.email.toUpperCase(), `  ${victim.email}  `, fullWidth];
      for (const [i, username] of variants.entries()) {
        const res = await t
          .http()
          .post('/api/v1/auth/login')
          .type('form')
          .send({ username, email: uniqueEmail(), password: i === 0 ? victim.password : `guess-${i}` });
        expectTooManyRequests(res);
      }
      // JSON checks `email`: a decoy `username` changes nothing either.
      expectTooManyRequests(
        await t
          .http()
          .post('/api/v1/auth/login')
          .send({ email: victim.email.toUpperCase(), username: uniqueEmail(), password: victim.password }),
      );
      // Another account (the decoys' own) is not locked by the victim's attempts.
      const other = await registerDeveloper(t);
      await t
        .http()
        .post('/api/v1/auth/login')
        .type('form')
        .send({ username: other.email, email: victim.email, password: other.password })
        .expect(200);
    });
  });

  describe('sign-ups', () => {
    let t: TestApp;
    beforeAll(async () => (t = await createTestApp({ env: { RATE_LIMIT_REGISTER: '3/60' } })));
    afterAll(() => t?.close());

    it('are limited per client: 429 + Retry-After once its sign-ups are used up; invalid bodies do not count', async () => {
      // Malformed sign-ups cost no hash and are not counted.
      for (let i = 0; i < 5; i += 1)
        await t.http().post('/api/v1/auth/register').send({ email: 'not-an-email', password: 'x' }).expect(422);
      for (let i = 0; i < 3; i += 1) await registerDeveloper(t);
      const res = await t
        .http()
        .post('/api/v1/auth/register')
        .send({ email: uniqueEmail(), password: 'correct-horse-battery' });
      expectTooManyRequests(res);
      expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
    });
  });

  describe('password hashing under a sign-up flood', () => {
    let t: TestApp;
    // No per-client sign-up limit: the flood could come from many addresses. Hashing at the default
    // (production) cost: what the gates are for.
    beforeAll(async () => (t = await createTestApp({ env: { RATE_LIMIT_REGISTER: '0', PASSWORD_HASH_COST: '15' } })));
    afterAll(() => t?.close());

    it('a login overtakes 80 sign-ups that arrive at once; each sign-up is 201 or 503 "busy" + Retry-After', async () => {
      const dev = await registerDeveloper(t);
      // Sign-ups answered 201 after the login: hashes admitted before it that it did not wait for.
      let loginAnswered = false;
      let signUpsAfterLogin = 0;
      const flood = Array.from({ length: 80 }, () =>
        t
          .http()
          .post('/api/v1/auth/register')
          .send({ email: uniqueEmail(), password: 'correct-horse-battery' })
          .then((res) => {
            if (loginAnswered && res.status === 201) signUpsAfterLogin += 1;
            return res;
          }),
      );
      const floodDone = Promise.all(flood);
      await new Promise((r) => setTimeout(r, 150));
      await t.http().post('/api/v1/auth/login').send({ email: dev.email, password: dev.password }).expect(200);
      loginAnswered = true;
      const responses = await floodDone;

      // Sign-ups hash one at a time behind their own gate; a login has its own, so it does not queue behind
      // the sign-ups already admitted (it would be answered after all of them if it did).
      expect(signUpsAfterLogin).toBeGreaterThan(0);
      for (const res of responses) {
        if (res.status === 201) continue;
        expect(res.status).toBe(503);
        expect(res.body).toEqual({ detail: 'The service is busy, retry later.' });
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      }
      expect(responses.some((res) => res.status === 201)).toBe(true);
    }, 60_000);
  });
});

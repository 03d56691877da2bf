import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { hashPassword } from '../src/auth/password-hasher';
import { appDataSourceOptions } from '../src/app.entities';
import { createTestApp, createTestDatabase, TestApp } from './helpers/test-app';

const PASSWORD = 'correct-horse-battery';

/** A fresh ASCII local part, so that every test registers its own addresses. */
const fresh = (prefix = 'user') => `${prefix}${randomBytes(4).toString('hex')}`;

describe('Email addresses: one account per address, whatever its spelling (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => (t = await createTestApp()));
  afterAll(() => t?.close());

  const register = (email: string) => t.http().post('/api/v1/auth/register').send({ email, password: PASSWORD });
  const login = (email: string) => t.http().post('/api/v1/auth/login').send({ email, password: PASSWORD });
  const loginForm = (username: string) =>
    t.http().post('/api/v1/auth/login').type('form').send({ grant_type: 'password', username, password: PASSWORD });
  const storedEmails = async (like: string) =>
    (await t.db.query('SELECT email FROM users WHERE email LIKE $1 ORDER BY email', [like])).rows.map(
      (r: { email: string }) => r.email,
    );

  describe('variants of a registered address are the same account: 409 on register, accepted at login', () => {
    it.each([
      ['upper case', (l: string) => `${l.toUpperCase()}@EXAMPLE.COM`],
      ['full-width letters (NFKC)', (l: string) => `${toFullWidth(l)}@example.com`],
      ['a full-width @ and domain (NFKC)', (l: string) => `${l}\uff20\uff45xample.com`],
      ['an ideographic full stop in the domain (IDNA)', (l: string) => `${l}@example\u3002com`],
    ])('%s', async (_name, variant) => {
      const local = fresh();
      const created = await register(`${local}@example.com`).expect(201);
      expect(created.body.email).toBe(`${local}@example.com`);
      const res = await register(variant(local)).expect(409);
      expect(res.body).toEqual({ detail: 'A user with this email already exists' });
      await login(variant(local)).expect(200);
      await loginForm(variant(local)).expect(200);
      expect(await storedEmails(`${local}%`)).toEqual([`${local}@example.com`]);
    });

    it('an internationalised domain and its punycode are one address, stored as punycode', async () => {
      const first = fresh('ana');
      const created = await register(`${first}@bücher.example`).expect(201);
      expect(created.body.email).toBe(`${first}@xn--bcher-kva.example`);
      await register(`${first}@xn--bcher-kva.example`).expect(409);
      await register(`${first}@BÜCHER.example`).expect(409);
      for (const form of [`${first}@bücher.example`, `${first}@xn--bcher-kva.example`, `${first}@BÜCHER.EXAMPLE`]) {
        await login(form).expect(200);
      }

      const second = fresh('bob');
      await register(`${second}@xn--bcher-kva.example`).expect(201);
      await register(`${second}@bücher.example`).expect(409);
      await login(`${second}@bücher.example`).expect(200);
      expect(await storedEmails(`${second}%`)).toEqual([`${second}@xn--bcher-kva.example`]);
    });
  });

  describe('invisible characters and look-alikes are refused with 422 at ["body", "email"]', () => {
    it.each([
      ['a zero-width space', (l: string) => `${l}\u200b@example.com`],
      ['a zero-width joiner', (l: string) => `${l.slice(0, 2)}\u200d${l.slice(2)}@example.com`],
      ['a word joiner', (l: string) => `\u2060${l}@example.com`],
      ['a right-to-left override', (l: string) => `${l}\u202e@example.com`],
      ['a left-to-right mark', (l: string) => `${l}\u200e@example.com`],
      ['a soft hyphen in the domain', (l: string) => `${l}@exam\u00adple.com`],
      ['a zero-width space in the domain', (l: string) => `${l}@exa\u200bmple.com`],
      ['a byte-order mark inside', (l: string) => `${l.slice(0, 2)}\ufeff${l.slice(2)}@example.com`],
      ['a Hangul filler', (l: string) => `${l}\u3164@example.com`],
      ['a variation selector', (l: string) => `${l}\ufe0f@example.com`],
      ['a control character', (l: string) => `${l}\u0007@example.com`],
      ['Latin with a Cyrillic "а"', (l: string) => `p\u0430y${l}@example.com`],
      ['Latin with a Greek "ο"', (l: string) => `g\u03bfogle${l}@example.com`],
      ['Cyrillic with a Latin "a"', () => `\u0438\u0432a\u043d@example.com`],
    ])('%s', async (_name, variant) => {
      const local = fresh();
      const email = variant(local);
      const res = await register(email).expect(422);
      expect(res.body.detail).toEqual(
        expect.arrayContaining([expect.objectContaining({ loc: ['body', 'email'], type: 'value_error' })]),
      );
      expect(await storedEmails(`%${local}%`)).toEqual([]);
      // The clean address is still free.
      if (!email.startsWith('\u0438')) await register(`${local}@example.com`).expect(201);
    });

    it('a single non-Latin script, or Latin with Japanese, is accepted', async () => {
      const suffix = String(randomBytes(4).readUInt32BE()); // digits: no script of their own
      await register(`\u0438\u0432\u0430\u043d${suffix}@example.com`).expect(201); // иван
      await register(`\u03b3\u03b9\u03ce\u03c1\u03b3\u03bf\u03c2${suffix}@example.com`).expect(201); // γιώργος
      await register(`taro\u5c71\u7530\u3072\u3089\u304c\u306a${suffix}@example.jp`).expect(201);
    });

    it('login with such a variant finds no account (401), never a different one', async () => {
      const local = fresh();
      await register(`${local}@example.com`).expect(201);
      await login(`${local}\u200b@example.com`).expect(401);
    });
  });

  it('accounts stored with the old normalisation (lower case only) can still log in with either form', async () => {
    // Rows the upgrade could not rewrite (two old rows that now mean the same address) keep their old form.
    const local = fresh('legacy');
    const passwordHash = await hashPassword(PASSWORD);
    await t.db.query(`INSERT INTO users (email, password_hash) VALUES ($1, $2), ($3, $2)`, [
      `${local}@bücher.example`,
      passwordHash,
      `${local}@xn--bcher-kva.example`,
    ]);
    const rows = (await t.db.query('SELECT id, email FROM users WHERE email LIKE $1', [`${local}%`])).rows as {
      id: string;
      email: string;
    }[];
    const unicode = rows.find((r) => r.email === `${local}@bücher.example`)!;
    const puny = rows.find((r) => r.email === `${local}@xn--bcher-kva.example`)!;
    // Each logs into its own account with its own spelling.
    const me = async (email: string) => {
      const token = (await login(email).expect(200)).body.access_token as string;
      return (await t.http().get('/api/v1/auth/me').set('Authorization', `Bearer ${token}`).expect(200)).body.id;
    };
    expect(await me(`${local}@bücher.example`)).toBe(unicode.id);
    expect(await me(`${local}@BÜCHER.example`)).toBe(unicode.id);
    expect(await me(`${local}@xn--bcher-kva.example`)).toBe(puny.id);
  });
});

describe('Migration NormalizeUserEmails (e2e)', () => {
  it('rewrites old rows to the new form, leaving a row alone when its new form is taken', async () => {
    const database = await createTestDatabase();
    const dataSource = new DataSource(appDataSourceOptions(database.url));
    await dataSource.initialize();
    try {
      await dataSource.runMigrations({ transaction: 'each' });
      const isApplied = async () =>
        (await dataSource.query(`SELECT 1 FROM migrations WHERE name LIKE 'NormalizeUserEmails%'`)).length > 0;
      expect(await isApplied()).toBe(true);
      while (await isApplied()) await dataSource.undoLastMigration({ transaction: 'each' });

      const insert = (email: string) =>
        dataSource.query(`INSERT INTO users (email, password_hash) VALUES ($1, 'x') RETURNING id`, [email]);
      const [{ id: idn }] = await insert('ana@bücher.example');
      const [{ id: wide }] = await insert('ｊｏ@example.com');
      const [{ id: taken }] = await insert('dup@bücher.example');
      const [{ id: owner }] = await insert('dup@xn--bcher-kva.example');
      const [{ id: plain }] = await insert('plain@example.com');

      await dataSource.runMigrations({ transaction: 'each' });
      const rows = (await dataSource.query('SELECT id, email FROM users')) as { id: string; email: string }[];
      const emailOf = (id: string) => rows.find((r) => r.id === id)?.email;
      expect(emailOf(idn)).toBe('ana@xn--bcher-kva.example');
      expect(emailOf(wide)).toBe('jo@example.com');
      expect(emailOf(taken)).toBe('dup@bücher.example');
      expect(emailOf(owner)).toBe('dup@xn--bcher-kva.example');
      expect(emailOf(plain)).toBe('plain@example.com');
    } finally {
      await dataSource.destroy();
      await database.drop();
    }
  });
});

function toFullWidth(ascii: string): string {
  return ascii.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
}

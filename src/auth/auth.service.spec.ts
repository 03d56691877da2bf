import { ConflictException, HttpException, HttpStatus, UnauthorizedException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { verify } from 'jsonwebtoken';
import type { SignUpRateLimiter } from '../rate-limit/sign-up-rate-limiter';
import { type AuthConfig, DEFAULT_HASHING } from './auth.config';
import type { User } from '../users/user.entity';
import type { UsersService } from '../users/users.service';
import { httpError } from '../../test/helpers/unit';
import { AuthService } from './auth.service';
import { hashPassword, verifyPassword } from './password-hasher';

const SECRET = 'unit-spec-jwt-secret-0123456789abcdef';
const ID = '3fa85f64-5717-4562-b3fc-2c963f66afa6';
const PASSWORD = 'correct-horse-battery';
const CREATED = new Date('2026-01-02T03:04:05Z');

/** UsersService replaced: one stored user at most; records what was asked and inserted, in order. */
class FakeUsers {
  calls: unknown[][] = [];
  constructor(
    public stored: User | null = null,
    private readonly emailTaken = false,
  ) {}
  findByEmail(email: string): Promise<User | null> {
    this.calls.push(['findByEmail', email]);
    return Promise.resolve(this.stored);
  }
  create(input: { email: string; passwordHash: string; fullName: string | null }): Promise<User | null> {
    this.calls.push(['create', input]);
    if (this.emailTaken) return Promise.resolve(null);
    return Promise.resolve(
      storedUser({ email: input.email, passwordHash: input.passwordHash, fullName: input.fullName }),
    );
  }
}

function storedUser(overrides: Partial<User> = {}): User {
  return {
    id: ID,
    email: 'dev@example.com',
    passwordHash: '',
    fullName: null,
    role: 'developer',
    isActive: true,
    createdAt: CREATED,
    updatedAt: CREATED,
    ...overrides,
  };
}

/** SignUpRateLimiter replaced: counts the sign-ups of each client, refusing when told to. */
class FakeSignUpLimit {
  consumed: string[] = [];
  constructor(private readonly refuse = false) {}
  consume(clientIp: string): Promise<void> {
    this.consumed.push(clientIp);
    if (this.refuse) return Promise.reject(new HttpException({ detail: 'Too many requests.' }, 429));
    return Promise.resolve();
  }
}

function serviceWith(users: FakeUsers, limit = new FakeSignUpLimit()) {
  const config = {
    jwtSecret: SECRET,
    jwtExpiresInSeconds: 900,
    hashing: DEFAULT_HASHING,
    passwordHashCost: 10,
  } as AuthConfig;
  return new AuthService(
    users as unknown as UsersService,
    new JwtService(),
    config,
    limit as unknown as SignUpRateLimiter,
  );
}

function claimsOf(token: string) {
  return verify(token, SECRET, { algorithms: ['HS256'] }) as { sub: string; role: string; iat: number; exp: number };
}

describe('AuthService', () => {
  describe('register', () => {
    it("counts the client's sign-up, stores a scrypt hash of the password, and answers the user with a token", async () => {
      const users = new FakeUsers();
      const limit = new FakeSignUpLimit();
      const res = await serviceWith(users, limit).register(
        { email: 'dev@example.com', password: PASSWORD, full_name: 'Ada' },
        '203.0.113.7',
      );
      expect(limit.consumed).toEqual(['203.0.113.7']);
      const [[call, input]] = users.calls as [[string, { email: string; passwordHash: string; fullName: string }]];
      expect(call).toBe('create');
      expect(input).toMatchObject({ email: 'dev@example.com', fullName: 'Ada' });
      expect(input.passwordHash).toMatch(/^scrypt\$1024\$8\$1\$/);
      expect(input.passwordHash).not.toContain(PASSWORD);
      await expect(verifyPassword(PASSWORD, input.passwordHash)).resolves.toBe(true);
      expect(res).toEqual({
        id: ID,
        email: 'dev@example.com',
        full_name: 'Ada',
        role: 'developer',
        is_active: true,
        created_at: CREATED,
        project_id: null,
        access_token: expect.any(String),
        refresh_token: null,
        token_type: 'bearer',
      });
      expect(claimsOf(res.access_token as string)).toMatchObject({ sub: ID, role: 'developer' });
    });

    it('stores no full name as null', async () => {
      const users = new FakeUsers();
      await serviceWith(users).register({ email: 'dev@example.com', password: PASSWORD }, '203.0.113.7');
      expect(users.calls[0][1]).toMatchObject({ fullName: null });
    });

    it('refused by the sign-up limit: nothing is hashed or stored, the 429 goes out as it is', async () => {
      const users = new FakeUsers();
      const error = await httpError(
        serviceWith(users, new FakeSignUpLimit(true)).register({ email: 'a@example.com', password: PASSWORD }, '::1'),
      );
      expect(error.getStatus()).toBe(HttpStatus.TOO_MANY_REQUESTS);
      expect(users.calls).toEqual([]);
    });

    it('409 when the email is taken', async () => {
      const error = await httpError(
        serviceWith(new FakeUsers(null, true)).register({ email: 'a@example.com', password: PASSWORD }, '::1'),
      );
      expect(error).toBeInstanceOf(ConflictException);
      expect(error.getResponse()).toMatchObject({ statusCode: 409, message: 'A user with this email already exists' });
    });
  });

  describe('login', () => {
    let passwordHash: string;
    beforeAll(async () => {
      passwordHash = await hashPassword(PASSWORD);
    });

    it('answers a bearer token for the right password', async () => {
      const users = new FakeUsers(storedUser({ passwordHash }));
      const res = await serviceWith(users).login({ email: 'dev@example.com', password: PASSWORD });
      expect(res).toEqual({ access_token: expect.any(String), refresh_token: null, token_type: 'bearer' });
      expect(claimsOf(res.access_token)).toMatchObject({ sub: ID, role: 'developer' });
    });

    it.each([
      ['a wrong password', () => storedUser({ passwordHash }), 'wrong-password'],
      ['an unknown email', () => null, PASSWORD],
      ['a wrong password of an inactive user', () => storedUser({ passwordHash, isActive: false }), 'nope'],
    ])('401 "Incorrect email or password" for %s', async (_case, user, password) => {
      const error = await httpError(serviceWith(new FakeUsers(user())).login({ email: 'x@example.com', password }));
      expect(error).toBeInstanceOf(UnauthorizedException);
      expect(error.getResponse()).toMatchObject({ statusCode: 401, message: 'Incorrect email or password' });
    });

    it('401 "Inactive user" only once the password is right', async () => {
      const users = new FakeUsers(storedUser({ passwordHash, isActive: false }));
      const error = await httpError(serviceWith(users).login({ email: 'dev@example.com', password: PASSWORD }));
      expect(error.getResponse()).toMatchObject({ statusCode: 401, message: 'Inactive user' });
    });

    it('looks the user up by the email given', async () => {
      const users = new FakeUsers(null);
      await serviceWith(users)
        .login({ email: 'dev@example.com', password: PASSWORD })
        .catch(() => undefined);
      expect(users.calls).toEqual([['findByEmail', 'dev@example.com']]);
    });
  });

  it('issueToken signs HS256 with the configured secret and lifetime, the role read from the user row', async () => {
    const res = await serviceWith(new FakeUsers()).issueToken(storedUser({ role: 'developer' }));
    const claims = claimsOf(res.access_token);
    expect(claims).toMatchObject({ sub: ID, role: 'developer' });
    expect(claims.exp - claims.iat).toBe(900);
    expect(() => verify(res.access_token, 'another-secret', { algorithms: ['HS256'] })).toThrow();
  });
});

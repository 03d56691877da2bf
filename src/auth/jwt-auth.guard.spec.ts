import { Controller, ForbiddenException, Get, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { sign } from 'jsonwebtoken';
import { httpContext, httpError } from '../../test/helpers/unit';
import { Public } from './public.decorator';
import type { AuthConfig } from './auth.config';
import type { User } from '../users/user.entity';
import type { UsersService } from '../users/users.service';
import { JwtAuthGuard } from './jwt-auth.guard';
import { JwtStrategy } from './jwt.strategy';
import { UserCheckedByRouteGuard } from './user-check';

const SECRET = 'unit-spec-jwt-secret-0123456789abcdef';
const USER_ID = '3fa85f64-5717-4562-b3fc-2c963f66afa6';

@Controller()
class Routes {
  @Get()
  guarded(): void {}

  @Public()
  @Get()
  open(): void {}

  @UserCheckedByRouteGuard()
  @Get()
  checkedByItsOwnGuard(): void {}
}

/** UsersService replaced: the user row the guard reads, and the ids it was asked for. */
class FakeUsers {
  asked: string[] = [];
  constructor(private readonly user: Partial<User> | null) {}
  findById(id: string): Promise<User | null> {
    this.asked.push(id);
    return Promise.resolve(this.user as User | null);
  }
}

const now = () => Math.floor(Date.now() / 1000);
const token = (claims: object = {}, secret = SECRET) =>
  sign({ sub: USER_ID, role: 'developer', iat: now(), exp: now() + 600, ...claims }, secret, { algorithm: 'HS256' });

interface Req {
  headers: Record<string, string>;
  user?: unknown;
}

// Registers the 'jwt' passport strategy the guard authenticates with, as the AuthModule does.
new JwtStrategy({ jwtSecret: SECRET } as AuthConfig);

function setup(users: FakeUsers, authorization: string | undefined, handler: keyof Routes = 'guarded') {
  const guard = new JwtAuthGuard(new Reflector(), users as unknown as UsersService);
  const req: Req = { headers: authorization === undefined ? {} : { authorization } };
  const context = httpContext(req, { controller: Routes, handler: Routes.prototype[handler] });
  return { run: () => guard.canActivate(context), req };
}

const activeDeveloper = { id: USER_ID, role: 'developer', isActive: true };

describe('JwtAuthGuard', () => {
  it("lets a valid token of an active developer through; the request's user is the row's id and role", async () => {
    const users = new FakeUsers(activeDeveloper);
    const { run, req } = setup(users, `Bearer ${token({ sub: USER_ID.toUpperCase() })}`);
    await expect(run()).resolves.toBe(true);
    expect(users.asked).toEqual([USER_ID]);
    expect(req.user).toEqual({ id: USER_ID, role: 'developer' });
  });

  it('lets a @Public() route through without a token or a database read', async () => {
    const users = new FakeUsers(null);
    await expect(setup(users, undefined, 'open').run()).resolves.toBe(true);
    expect(users.asked).toEqual([]);
  });

  it.each([
    ['no Authorization header', undefined, 'Not authenticated'],
    ['an expired token', `Bearer ${token({ iat: now() - 700, exp: now() - 100 })}`, 'Token has expired'],
    [
      'a token signed with another secret',
      `Bearer ${token({}, 'another-secret-0123456789abcdef0123')}`,
      'Could not validate credentials',
    ],
    [
      'a token without exp',
      `Bearer ${sign({ sub: USER_ID, role: 'developer' }, SECRET)}`,
      'Could not validate credentials',
    ],
    ['a subject that is not a UUID', `Bearer ${token({ sub: 'admin' })}`, 'Could not validate credentials'],
    ['not a bearer token', `Basic ${Buffer.from('a:b').toString('base64')}`, 'Not authenticated'],
  ])('401 for %s, without reading the users table', async (_case, authorization, message) => {
    const users = new FakeUsers(activeDeveloper);
    const error = await httpError(setup(users, authorization).run());
    expect(error).toBeInstanceOf(UnauthorizedException);
    expect(error.getResponse()).toMatchObject({ statusCode: 401, message });
    expect(users.asked).toEqual([]);
  });

  it.each([
    ['gone', null],
    ['deactivated', { ...activeDeveloper, isActive: false }],
  ])('401 when the user of a valid token is %s', async (_case, user) => {
    const error = await httpError(setup(new FakeUsers(user), `Bearer ${token()}`).run());
    expect(error).toBeInstanceOf(UnauthorizedException);
    expect(error.getResponse()).toMatchObject({ message: 'Could not validate credentials' });
  });

  it("403 when the row's role is not developer, whatever role the token claims", async () => {
    const users = new FakeUsers({ ...activeDeveloper, role: 'end_user' });
    const error = await httpError(setup(users, `Bearer ${token({ role: 'developer' })}`).run());
    expect(error).toBeInstanceOf(ForbiddenException);
    expect(error.getResponse()).toMatchObject({ statusCode: 403, message: 'Developer role required' });
  });

  it("on a route whose own guard checks the user: verifies the token only, leaving the token's subject", async () => {
    const users = new FakeUsers(null);
    const { run, req } = setup(users, `Bearer ${token()}`, 'checkedByItsOwnGuard');
    await expect(run()).resolves.toBe(true);
    expect(users.asked).toEqual([]);
    expect(req.user).toEqual({ id: USER_ID });
    const error = await httpError(setup(users, undefined, 'checkedByItsOwnGuard').run());
    expect(error).toBeInstanceOf(UnauthorizedException);
  });
});

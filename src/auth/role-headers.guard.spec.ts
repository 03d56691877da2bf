import { BadRequestException } from '@nestjs/common';
import { httpContext } from '../../test/helpers/unit';
import { RoleHeadersGuard } from './role-headers.guard';

const guard = new RoleHeadersGuard();
const END_USER_ACCOUNTS =
  'End-user accounts are not supported: X-Developer-Key and X-Project-ID (end-user registration and login) are refused; this service registers and signs in developer accounts only, without these headers';
const PROJECT_SCOPE =
  "X-Project-ID (an end user's project scope) is not supported: this service serves developers, and names the project in the path";

const check = (url: string, headers: Record<string, string | string[]> = {}) =>
  guard.canActivate(httpContext({ url, headers }));

function refusal(url: string, headers: Record<string, string | string[]>): string {
  try {
    check(url, headers);
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequestException);
    const response = (error as BadRequestException).getResponse() as { statusCode: number; message: string };
    expect(response.statusCode).toBe(400);
    return response.message;
  }
  throw new Error(`${url} was let through`);
}

describe('RoleHeadersGuard', () => {
  it("lets a developer's requests through: no role headers, or the ones that ask for a developer", () => {
    expect(check('/api/v1/projects/')).toBe(true);
    expect(check('/api/v1/projects/', { 'x-user-role': ' Developer ' })).toBe(true);
    expect(check('/api/v1/projects/', { 'x-user-role': 'developer', 'x-developer-key': 'ak_1' })).toBe(true);
    expect(check('/api/v1/auth/register', { 'x-operator-key': 'op_1' })).toBe(true);
  });

  it('refuses another X-User-Role with 400, naming a plain role and never echoing anything else', () => {
    expect(refusal('/api/v1/auth/me', { 'x-user-role': 'end_user' })).toBe(
      'X-User-Role "end_user" is not supported: this service serves developer accounts only (send X-User-Role: developer, or no X-User-Role)',
    );
    const echoed = refusal('/api/v1/projects', { 'x-user-role': 'sk_live_0123456789abcdefghij' });
    expect(echoed).toMatch(/^X-User-Role is not supported/);
    expect(echoed).not.toContain('sk_live');
  });

  it.each(['/api/v1/auth/register', '/api/v1/auth/login/', '/api/v1/auth/login?x=1'])(
    "refuses the docs' end-user sign-up and login on %s (X-Developer-Key or X-Project-ID)",
    (url) => {
      expect(refusal(url, { 'x-developer-key': 'ak_1' })).toBe(END_USER_ACCOUNTS);
      expect(refusal(url, { 'x-project-id': '3fa85f64-5717-4562-b3fc-2c963f66afa6' })).toBe(END_USER_ACCOUNTS);
    },
  );

  it("refuses an end user's project scope (X-Project-ID) on a developer's call", () => {
    expect(refusal('/api/v1/payments/stripe/projects/x/config', { 'x-project-id': 'p' })).toBe(PROJECT_SCOPE);
    for (const path of [
      '/api/v1/payments/subscriptions',
      '/api/v1/payments/transactions?page=1',
      '/api/v1/payments/stats',
    ])
      expect(refusal(path, { 'x-project-id': 'p' })).toBe(PROJECT_SCOPE);
    expect(refusal('/API/V1/PROJECTS', { 'x-project-id': ['p', 'q'] })).toBe(PROJECT_SCOPE);
  });

  it("ignores role headers where no developer's account is involved: webhook deliveries, health, docs", () => {
    const headers = { 'x-user-role': 'end_user', 'x-project-id': 'p' };
    expect(check('/api/v1/payments/stripe/webhooks/3fa85f64-5717-4562-b3fc-2c963f66afa6/test', headers)).toBe(true);
    expect(check('/health', headers)).toBe(true);
    expect(check('/docs', headers)).toBe(true);
    expect(check('/api/v1/projectsx', headers)).toBe(true);
  });
});

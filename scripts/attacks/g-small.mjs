// Finding g, the small ones. Run against a service started with TRUST_PROXY=1 (behind one proxy) for
// the X-Forwarded-For check; the others hold either way.
// - X-Forwarded-For `<script>` on a config write: the audit row's client_ip is null;
// - a 20 KB header (431) and a malformed request line (400) answer `{"detail": ...}`;
// - `Content-Type: application/json; charset="/utf-7"` is a 415;
// - a project name with U+202E is a 4xx.
import { connect } from 'node:net';
import { alive, BASE, configPath, report, rss, send, tenant } from './lib.mjs';

const target = new URL(BASE);
/** Raw bytes over a socket, the whole answer back (what Node's HTTP parser refuses never becomes a request). */
const raw = (bytes) =>
  new Promise((resolve) => {
    let answer = '';
    const socket = connect({ host: target.hostname, port: Number(target.port) }, () => socket.write(bytes));
    socket.on('data', (d) => (answer += d.toString()));
    socket.on('error', () => {});
    socket.on('close', () => {
      const [head, body = ''] = answer.split('\r\n\r\n');
      resolve({
        status: head.split(' ')[1] ?? 'no answer',
        contentType: /content-type: ([^\r]+)/i.exec(head)?.[1],
        body: body.slice(0, 120),
      });
    });
    setTimeout(() => socket.destroy(), 5000);
  });

const dev = await tenant('small');
const xff = await send(
  'PUT',
  configPath(dev.projectId),
  { ...dev.auth, 'X-Forwarded-For': '<script>' },
  JSON.stringify({ test_publishable_key: 'pk_test_ABCDEFGHabcdefgh12345678' }),
);
const audit = JSON.parse((await send('GET', `${configPath(dev.projectId, 'audit-log')}?page_size=1`, dev.auth)).body);
const hugeHeader = await raw(
  `GET /api/v1/health HTTP/1.1\r\nHost: ${target.host}\r\nX-Big: ${'a'.repeat(20_000)}\r\nConnection: close\r\n\r\n`,
);
const malformed = await raw(`GET /api/v1/health HTTP/1.1 junk\r\nHost: ${target.host}\r\nConnection: close\r\n\r\n`);
const utf7 = await send(
  'POST',
  '/api/v1/auth/login',
  { 'Content-Type': 'application/json; charset="/utf-7"' },
  '{"email":"a@example.com","password":"x"}',
);
const bidi = await send('POST', '/api/v1/projects/', dev.auth, JSON.stringify({ name: 'invoice\u202Efdp.exe' }));

const entries = audit.items ?? audit.entries ?? audit.audit_log ?? audit;
report('g: small ones', {
  xForwardedForScript: { putStatus: xff.status, auditClientIp: Array.isArray(entries) ? entries[0]?.client_ip : audit },
  header20KB: hugeHeader,
  malformedRequestLine: malformed,
  charsetSlashUtf7: { status: utf7.status, body: utf7.body },
  projectNameRLO: { status: bidi.status, body: bidi.body.slice(0, 160) },
  up: await alive(),
  ...rss(),
});

// @hacore/notifier-smtp against a real SMTP server (the smtp-server package,
// from the nodemailer project) listening on 127.0.0.1, driven by a real
// daemon core with a real TCP check.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nextEvent, pluginPath, startDaemon, tempDir, TcpTarget, waitFor } from './helpers.mjs';

// smtp-server is a devDependency of the notifier-smtp package: resolve it from there.
const require = createRequire(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../packages/notifier-smtp/package.json'));
const { SMTPServer } = require('smtp-server');

const PLUGINS = [pluginPath('checker-tcp'), pluginPath('notifier-smtp')];

/** Headers (unfolded) and body of a raw RFC 5322 message. */
function parseMail(raw) {
  const sep = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, sep).replace(/\r\n[ \t]+/g, ' ');
  const headers = {};
  for (const line of head.split('\r\n')) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  let body = raw.slice(sep + 4);
  if (/quoted-printable/i.test(headers['content-transfer-encoding'] ?? '')) {
    body = body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
  }
  return { headers, body };
}

async function startSmtp({ onRcptTo } = {}) {
  const mails = [];
  const server = new SMTPServer({
    ...(onRcptTo ? { onRcptTo } : {}),
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, cb) {
      const chunks = [];
      stream.on('data', (c) => chunks.push(c));
      stream.on('end', () => {
        mails.push({ envelope: { from: session.envelope.mailFrom.address, to: session.envelope.rcptTo.map((r) => r.address) }, helo: session.hostNameAppearsAs, ...parseMail(Buffer.concat(chunks).toString('utf8')) });
        cb();
      });
    },
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return { server, mails, port: server.server.address().port, close: () => new Promise((r) => server.close(r)) };
}

describe('notifier-smtp', () => {
  let tmp;
  before(() => (tmp = tempDir('smtp')));
  after(() => tmp.cleanup());

  test('mails a VRRP transition and a real check going down to a real SMTP server', async () => {
    const smtp = await startSmtp();
    const web = new TcpTarget();
    await web.up();
    const core = await startDaemon(tmp.dir, {
      plugins: PLUGINS,
      checks: [{ name: 'web1', type: 'tcp', address: '127.0.0.1', port: web.port, interval: '50ms', timeout: '200ms', warmup: '0ms' }],
      smtp: {
        notificationEmail: ['ops@example.com', 'oncall@example.net'],
        notificationEmailFrom: 'lb1@example.com',
        smtpServer: `127.0.0.1:${smtp.port}`,
        smtpConnectTimeout: '5s',
        smtpHeloName: 'lb1.example.com',
        subjectPrefix: 'LB1',
        events: ['vrrp-transition', 'target-state'],
      },
    }, { start: false });
    const up = nextEvent(core, (e) => e.kind === 'target-state' && e.to === 'up');
    await core.start();
    try {
      await up;
      await core.emit({ kind: 'vrrp-transition', instance: 'VI_1', vrid: 51, from: 'BACKUP', to: 'MASTER', priority: 150, reason: 'master down timer' });
      // A kind the filter leaves out sends nothing.
      await core.emit({ kind: 'quorum', virtualServer: 'web', up: false, liveWeight: 0, quorum: 1 });
      const down = nextEvent(core, (e) => e.kind === 'target-state' && e.to === 'down');
      await web.down();
      await down;
      await waitFor(() => smtp.mails.length >= 3, { what: 'three mails' });
      const [mUp, mVrrp, mDown] = smtp.mails;
      for (const m of smtp.mails) {
        assert.equal(m.envelope.from, 'lb1@example.com');
        assert.deepEqual(m.envelope.to, ['ops@example.com', 'oncall@example.net']);
        assert.equal(m.headers.from, 'lb1@example.com');
        assert.equal(m.headers.to, 'ops@example.com, oncall@example.net');
        assert.equal(m.helo, 'lb1.example.com');
      }
      assert.equal(mVrrp.headers.subject, '[LB1] VRRP Instance VI_1 - Entering MASTER state');
      assert.match(mVrrp.body, /instance: VI_1/);
      assert.match(mVrrp.body, /to: MASTER/);
      assert.match(mVrrp.body, /priority: 150/);
      assert.match(mVrrp.body, /now owns its virtual addresses/);
      assert.equal(mUp.headers.subject, `[LB1] Check web1 (tcp 127.0.0.1:${web.port}) - UP`);
      assert.equal(mDown.headers.subject, `[LB1] Check web1 (tcp 127.0.0.1:${web.port}) - DOWN`);
      assert.match(mDown.body, /CHECK failed: ECONNREFUSED/);
      assert.equal(smtp.mails.some((m) => /quorum/i.test(m.headers.subject)), false);
      // The server has the data before the client has read its 250 reply.
      const st = await waitFor(() => (core.status().smtp.delivered === 3 ? core.status().smtp : undefined), { what: 'three deliveries counted' });
      assert.equal(st.failed, 0);
      assert.equal(st.server, `127.0.0.1:${smtp.port}`);
    } finally {
      await core.stop();
      await smtp.close();
    }
  });

  test('a 4xx reply is retried; a 5xx reply fails at once', async () => {
    let tempFailures = 1;
    const smtp = await startSmtp({
      onRcptTo(address, _session, cb) {
        if (address.address.startsWith('reject')) return cb(Object.assign(new Error('no such user'), { responseCode: 550 }));
        if (tempFailures-- > 0) return cb(Object.assign(new Error('try again later'), { responseCode: 451 }));
        return cb();
      },
    });
    const config = (to) => ({ plugins: PLUGINS, smtp: { notificationEmail: [to], smtpServer: `127.0.0.1:${smtp.port}`, tls: 'none', retries: 2 } });
    let core = await startDaemon(tmp.dir, config('ops@example.com'));
    try {
      await core.emit({ kind: 'quorum', virtualServer: 'web', up: false, liveWeight: 0, quorum: 2 });
      await waitFor(() => core.status().smtp.delivered === 1, { what: 'delivery after a retry' });
      assert.equal(core.status().smtp.retries, 1);
      assert.equal(smtp.mails.length, 1);
      assert.equal(smtp.mails[0].headers.subject.endsWith('Virtual server web - quorum DOWN'), true);
    } finally {
      await core.stop();
    }
    core = await startDaemon(tmp.dir, config('reject@example.com'));
    try {
      await core.emit({ kind: 'quorum', virtualServer: 'web', up: true, liveWeight: 2, quorum: 2 });
      await waitFor(() => core.status().smtp.failed === 1, { what: 'the refusal' });
      assert.equal(core.status().smtp.retries, 0);
      assert.match(core.status().smtp.lastError, /550/);
    } finally {
      await core.stop();
      await smtp.close();
    }
  });

  test('the "Stopping" mail of a shutdown goes out before the daemon stops', async () => {
    const smtp = await startSmtp();
    const core = await startDaemon(tmp.dir, {
      plugins: [pluginPath('notifier-smtp'), path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/stop-emitter-plugin.mjs')],
      smtp: { notificationEmail: 'ops@example.com', smtpServer: `127.0.0.1:${smtp.port}`, subjectPrefix: 'LB1' },
    });
    try {
      await core.stop();
      assert.deepEqual(smtp.mails.map((m) => m.headers.subject), ['[LB1] VRRP Instance VI_S - Stopping']);
      assert.match(smtp.mails[0].body, /VRRP instance stopping/);
    } finally {
      await smtp.close();
    }
  });

  test('an unreachable server counts failures and blocks nothing', async () => {
    const smtp = await startSmtp();
    const port = smtp.port;
    await smtp.close();
    const core = await startDaemon(tmp.dir, {
      plugins: PLUGINS,
      smtp: { notificationEmail: 'ops@example.com', smtpServer: `127.0.0.1 ${port}`, smtpConnectTimeout: '1s', retries: 0 },
    });
    try {
      const t0 = performance.now();
      for (let i = 0; i < 3; i++) await core.emit({ kind: 'vrrp-transition', instance: 'VI_1', vrid: 1, from: 'BACKUP', to: 'FAULT', priority: 0, reason: 'test' });
      assert.ok(performance.now() - t0 < 50, 'emitting does not wait for SMTP');
      await waitFor(() => core.status().smtp.failed === 3, { what: 'three failures' });
      assert.match(core.status().smtp.lastError, /ECONNREFUSED/);
    } finally {
      await core.stop();
    }
  });

  test('a stop during a retry backoff ends the wait: no timer or connection outlives the daemon', async () => {
    const smtp = await startSmtp();
    const port = smtp.port;
    await smtp.close();
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const core = await startDaemon(tmp.dir, {
      plugins: PLUGINS,
      smtp: { notificationEmail: 'ops@example.com', smtpServer: `127.0.0.1 ${port}`, smtpConnectTimeout: '1s', retries: 10, shutdownGrace: '0ms' },
    });
    try {
      await core.emit({ kind: 'vrrp-transition', instance: 'VI_1', vrid: 1, from: 'BACKUP', to: 'FAULT', priority: 0, reason: 'test' });
      await waitFor(() => core.status().smtp.retries >= 1, { what: 'a retry backoff' });
    } finally {
      await core.stop();
    }
    // The backoff (0.5 s and up) would otherwise still be pending, then connect again.
    assert.equal(timers(), before, process.getActiveResourcesInfo().join(' '));
  });
});

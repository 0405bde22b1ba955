// End to end inside the IPVS VM: a client and three real servers in network
// namespaces, real Node HTTP servers, IPVS NAT (masq) on a VIP held by a load
// balancer namespace where the real `hacore` daemon runs (single process, IPVS
// plugin + TCP checks). Requests spread round-robin; a real server's process
// is stopped and, once hacore has seen it, no request fails; it comes back and
// gets traffic again. Runs only inside the VM.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Lab, waitLine } from '../../lib/lab.mjs';

const inVm = process.env.HACORE_VM === '1';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const VIP = '203.0.113.100';
const RS = { rs1: '198.51.100.21', rs2: '198.51.100.22', rs3: '198.51.100.23' };

const SERVER = `import http from 'node:http';
const name = process.argv[2];
const srv = http.createServer((req, res) => { res.setHeader('connection', 'close'); res.end(name); });
srv.listen(80, '0.0.0.0', () => console.log('listening'));
process.on('SIGTERM', () => process.exit(0));
`;

// Sequential requests, each on a new connection; prints {"rs1":n,...,"errors":[...]}.
const CLIENT = `import http from 'node:http';
const [vip, n] = [process.argv[2], Number(process.argv[3])];
const out = { errors: [] };
for (let i = 0; i < n; i++) {
  try {
    const body = await new Promise((resolve, reject) => {
      const req = http.get({ host: vip, port: 80, path: '/', agent: false, timeout: 3000 }, (res) => {
        let b = '';
        res.on('data', (d) => (b += d));
        res.on('end', () => resolve(b));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
    });
    out[body] = (out[body] ?? 0) + 1;
  } catch (err) {
    out.errors.push(err.code ?? err.message);
  }
}
console.log(JSON.stringify(out));
`;

/** One `status` request on the daemon's control socket (a JSON line each way). */
function controlStatus(file) {
  return control(file, { cmd: 'status' });
}

/** One request on the daemon's control socket: what `hacore status|reload|drain ...` send. */
function control(file, req) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(file);
    let buf = '';
    sock.setEncoding('utf8');
    sock.setTimeout(10000, () => sock.destroy(new Error('no answer from the control socket')));
    sock.once('connect', () => sock.write(`${JSON.stringify(req)}\n`));
    sock.on('data', (c) => (buf += c));
    sock.once('error', reject);
    sock.once('end', () => {
      const resp = JSON.parse(buf);
      if (resp.ok) resolve(resp.result);
      else reject(new Error(resp.error.message));
    });
  });
}


describe('hacore + IPVS NAT end to end', () => {
  let lab;
  let dir;
  let hacore;
  const servers = {};

  async function startServer(name) {
    const child = lab.spawn(name, process.execPath, [path.join(dir, 'server.mjs'), name]);
    await waitLine(child, /^listening$/, 45000, `server ${name}`);
    servers[name] = child;
  }

  async function requests(n) {
    const out = await lab.exec('cli', process.execPath, [path.join(dir, 'client.mjs'), VIP, String(n)]);
    return JSON.parse(out.trim().split('\n').pop());
  }

  async function ipvsTable() {
    return lab.exec('lb', 'ipvsadm', ['-Ln']);
  }

  before(async () => {
    assert.ok(inVm, 'this file runs inside the test VM: node test/vm/run.mjs test/vm/suite/e2e-ipvs.test.mjs');
    dir = mkdtempSync(path.join(tmpdir(), 'hacore-e2e-'));
    writeFileSync(path.join(dir, 'server.mjs'), SERVER);
    writeFileSync(path.join(dir, 'client.mjs'), CLIENT);
    lab = await Lab.create('ve2e', ['cli', 'lb', 'rs1', 'rs2', 'rs3'], {
      addresses: {
        cli: ['203.0.113.10/24'],
        lb: ['203.0.113.1/24', `${VIP}/24`, '198.51.100.1/24'],
        rs1: [`${RS.rs1}/24`],
        rs2: [`${RS.rs2}/24`],
        rs3: [`${RS.rs3}/24`],
      },
    });
    // Replies from the real servers go back through the balancer, which un-NATs them.
    await Promise.all(Object.keys(RS).map((h) => lab.ip(h, ['route', 'add', 'default', 'via', '198.51.100.1'])));
    // One-armed NAT: the balancer forwards replies out of the port they came in
    // by, and would tell the real servers (ICMP redirect) to reach the client
    // directly, bypassing the un-NAT. No redirects, sent or accepted.
    await lab.exec('lb', 'sysctl', ['-q', '-w', 'net.ipv4.ip_forward=1', 'net.ipv4.conf.all.send_redirects=0', 'net.ipv4.conf.eth0.send_redirects=0']);
    await Promise.all(Object.keys(RS).map((h) => lab.exec(h, 'sysctl', ['-q', '-w', 'net.ipv4.conf.all.accept_redirects=0', 'net.ipv4.conf.eth0.accept_redirects=0'])));
    await Promise.all(Object.keys(RS).map(startServer));
    writeFileSync(
      path.join(dir, 'hacore.config.json'),
      JSON.stringify({
        plugins: [path.join(ROOT, 'packages/checker-tcp/dist/src/index.js'), path.join(ROOT, 'packages/ipvs/dist/src/index.js')],
        controlSocket: path.join(dir, 'hacore.sock'),
        pidFile: path.join(dir, 'hacore.pid'),
        stateDir: path.join(dir, 'state'),
        virtualServers: [
          {
            name: 'web',
            address: VIP,
            port: 80,
            scheduler: 'rr',
            forwarding: 'masq',
            delayLoop: '300ms',
            realServers: Object.values(RS).map((address) => ({ address, checks: [{ type: 'tcp', timeout: '1s', warmup: 0 }] })),
          },
        ],
      }),
    );
    hacore = lab.spawn('lb', process.execPath, [path.join(ROOT, 'packages/core/bin/hacore.js'), 'start', '--single-process', '--config', path.join(dir, 'hacore.config.json')], {
      env: { ...process.env, HACORE_LOG_PRETTY: '0' },
    });
    await waitLine(hacore, /hacore started/, 90000, 'hacore');
  });

  after(async () => {
    if (hacore) await lab?.kill(hacore, 'SIGTERM', 5000);
    // hacore removes its service at stop: the balancer's table is empty again.
    const left = lab ? await ipvsTable().catch(() => '') : '';
    await lab?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
    assert.ok(!left.includes(`${VIP}:80`), `service removed at stop:\n${left}`);
  });

  it('spreads requests per the scheduler, survives a real server stopping, and uses it again when it is back', async (t) => {
    const table = await ipvsTable();
    for (const a of Object.values(RS)) assert.match(table, new RegExp(`${a.replace(/\./g, '\\.')}:80\\s+Masq\\s+1`));

    // rr over three equal servers, one new connection per request.
    const spread = await requests(30);
    assert.deepEqual(spread.errors, [], `${JSON.stringify(spread)}\n${await lab.exec('lb', 'ipvsadm', ['-Lnc'])}\n${await lab.exec('lb', 'ipvsadm', ['-Ln', '--stats'])}`);
    for (const name of Object.keys(RS)) assert.ok(Math.abs((spread[name] ?? 0) - 10) <= 1, JSON.stringify(spread));

    // Stop rs2's server; hacore sees it down and takes it out.
    const down = waitLine(hacore, /real server 198\.51\.100\.22:80 of web is down/, 20000, 'hacore');
    const t0 = performance.now();
    await lab.kill(servers.rs2);
    await down;
    t.diagnostic(`rs2 stopped -> out of the table: ${Math.round(performance.now() - t0)} ms (delayLoop 300ms, TCG)`);
    assert.doesNotMatch(await ipvsTable(), /198\.51\.100\.22:80/);
    const without = await requests(20);
    assert.deepEqual(without.errors, [], 'no request fails once the failure is detected');
    assert.equal(without.rs2, undefined);
    assert.equal((without.rs1 ?? 0) + (without.rs3 ?? 0), 20);

    // It comes back and gets traffic again.
    const up = waitLine(hacore, /real server 198\.51\.100\.22:80 of web is up/, 20000, 'hacore');
    const t1 = performance.now();
    await startServer('rs2');
    await up;
    t.diagnostic(`rs2 started -> back in the table: ${Math.round(performance.now() - t1)} ms (server start included)`);
    const back = await requests(30);
    assert.deepEqual(back.errors, []);
    for (const name of Object.keys(RS)) assert.ok(Math.abs((back[name] ?? 0) - 10) <= 1, JSON.stringify(back));

    // The daemon's status over its control socket (what `hacore status --json` asks;
    // asked directly, since starting the CLI costs 10 s or more under TCG) tells the same story.
    const status = await controlStatus(path.join(dir, 'hacore.sock'));
    const ipvs = Object.values(status)[0].ipvs;
    assert.deepEqual(ipvs.owned, [`tcp:${VIP}:80`]);
    const web = ipvs.virtualServers[0];
    assert.equal(web.quorum.up, true);
    assert.deepEqual(web.realServers.map((r) => [r.id, r.up, r.kernelWeight]), Object.values(RS).map((a) => [`${a}:80`, true, 1]));
    assert.equal(ipvs.opsFailed, 0);
    assert.ok(ipvs.opsApplied >= 6, `ops applied: ${ipvs.opsApplied}`);
  });

  it('drains a real server (weight 0 in the kernel, no new connection to it), keeps it drained across a reload, and undrains it', async () => {
    const sock = path.join(dir, 'hacore.sock');
    const rs3 = RS.rs3.replace(/\./g, '\\.');
    const replies = await control(sock, { cmd: 'action', action: 'drain', args: { realServer: `${RS.rs3}:80` } });
    assert.match(replies.map((r) => r.result).join(';'), /drained 198\.51\.100\.23:80 in web/);
    assert.match(await ipvsTable(), new RegExp(`${rs3}:80\\s+Masq\\s+0\\s`), 'weight 0, still in the table (its connections kept)');
    const drained = await requests(20);
    assert.deepEqual(drained.errors, []);
    assert.equal(drained.rs3, undefined, `no new connection to the drained server: ${JSON.stringify(drained)}`);
    await control(sock, { cmd: 'reload' });
    assert.match(await ipvsTable(), new RegExp(`${rs3}:80\\s+Masq\\s+0\\s`), 'still drained after a reload');
    const st = Object.values(await controlStatus(sock))[0].ipvs.virtualServers[0].realServers.find((r) => r.id === `${RS.rs3}:80`);
    assert.ok(st.drained, 'the status says drained');
    await assert.rejects(control(sock, { cmd: 'action', action: 'drain', args: { realServer: '198.51.100.99:80' } }), /no real server 198\.51\.100\.99:80/);
    await control(sock, { cmd: 'action', action: 'undrain', args: { realServer: RS.rs3 } });
    assert.match(await ipvsTable(), new RegExp(`${rs3}:80\\s+Masq\\s+1\\s`));
    const back = await requests(30);
    assert.ok((back.rs3 ?? 0) >= 9, JSON.stringify(back));
  });
});

// One keepalived.conf, two daemons, one kernel IPVS: inside the VM, keepalived and
// then hacore (--keepalived-config) each run the same file against the same real
// servers; `ipvsadm -Ln` (rate-independent columns) is compared line by line once
// the checks settle, and again after a real server is stopped. Runs only inside the VM.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Lab, waitFor } from '../../lib/lab.mjs';

const inVm = process.env.HACORE_VM === '1';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const VIP = '203.0.113.100';
const RS = { rs1: '198.51.100.21', rs2: '198.51.100.22', rs3: '198.51.100.23' };

const SERVER = `import net from 'node:net';
// A TCP check closes without reading what the server wrote, which makes the kernel
// reset the connection: the server must take the ECONNRESET (unhandled, it crashed rs1
// once, in CI, mid-test).
const srv = net.createServer((s) => {
  s.on('error', () => {});
  s.end('ok\\n');
});
srv.listen(80, '0.0.0.0', () => console.log('listening'));
process.on('SIGTERM', () => process.exit(0));
`;

const CONF = `! the same file for keepalived and hacore
global_defs {
  router_id vm_director
}
virtual_server ${VIP} 80 {
  delay_loop 1
  lb_algo wrr
  lb_kind NAT
  protocol TCP
  persistence_timeout 30
  real_server ${RS.rs1} 80 {
    weight 3
    TCP_CHECK {
      connect_timeout 1
      retry 1
    }
  }
  real_server ${RS.rs2} 80 {
    weight 1
    TCP_CHECK {
      connect_timeout 1
    }
  }
  real_server ${RS.rs3} 80 {
    weight 2
    inhibit_on_failure
    TCP_CHECK {
      connect_timeout 1
    }
  }
}
virtual_server ${VIP} 8080 {
  lb_algo sh
  lb_kind NAT
  protocol TCP
  real_server ${RS.rs1} 8080 {
    weight 1
  }
  real_server ${RS.rs2} 8080 {
    weight 1
  }
}
`;

/** `ipvsadm -Ln` without the columns that depend on traffic (ActiveConn, InActConn). */
function stable(text) {
  return text
    .split('\n')
    .filter((l) => /^(TCP|UDP|SCTP|FWM)\s|^\s+->\s+\d/.test(l))
    .map((l) => (/^\s+->/.test(l) ? l.trim().split(/\s+/).slice(0, 4).join(' ') : l.trim().split(/\s+/).join(' ')))
    .join('\n');
}

describe('one keepalived.conf: keepalived and hacore build the same IPVS table', () => {
  let lab;
  let dir;
  const servers = {};

  const table = async () => stable(await lab.exec('lb', 'ipvsadm', ['-Ln']));
  const startServer = async (name) => {
    const child = lab.spawn(name, process.execPath, [path.join(dir, 'server.mjs')]);
    await new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`server ${name} did not start`)), 45000);
      child.stdout.on('data', (d) => String(d).includes('listening') && (clearTimeout(t), resolve()));
    });
    servers[name] = child;
  };
  /** Runs a daemon over the file, returns the table once the checks settled and after rs3 and rs2 stop. */
  const observe = async (name, cmd, args, settled, afterStop) => {
    const d = lab.spawn('lb', cmd, args, { env: { ...process.env, HACORE_LOG_PRETTY: '0' } });
    let out = '';
    d.stdout.on('data', (x) => (out += x));
    d.stderr.on('data', (x) => (out += x));
    try {
      const first = await waitFor(async () => ((await table()) === settled ? settled : false), { timeoutMs: 90000, everyMs: 250, what: `${name}: the settled table` }).catch(async (e) => {
        throw new Error(`${e.message}\n${await table()}\n${out.slice(-2000)}`);
      });
      await lab.kill(servers.rs2);
      await lab.kill(servers.rs3);
      const second = await waitFor(async () => ((await table()) === afterStop ? afterStop : false), { timeoutMs: 60000, everyMs: 250, what: `${name}: the table after rs2 and rs3 stop` }).catch(async (e) => {
        throw new Error(`${e.message}\n${await table()}\n${out.slice(-2000)}`);
      });
      return { first, second };
    } finally {
      await lab.kill(d, 'SIGTERM', 10000);
      await startServer('rs2');
      await startServer('rs3');
      await waitFor(async () => ((await table()) === '' ? true : false), { timeoutMs: 20000, everyMs: 250, what: `${name} removes its services at stop` });
    }
  };

  before(async () => {
    assert.ok(inVm, 'this file runs inside the test VM: node test/vm/run.mjs test/vm/suite/keepalived-conf-ipvs.test.mjs');
    dir = mkdtempSync(path.join(tmpdir(), 'hacore-kaipvs-'));
    writeFileSync(path.join(dir, 'server.mjs'), SERVER);
    writeFileSync(path.join(dir, 'keepalived.conf'), CONF);
    writeFileSync(path.join(dir, 'overlay.json'), JSON.stringify({ controlSocket: path.join(dir, 'h.sock'), pidFile: path.join(dir, 'h.pid') }));
    lab = await Lab.create('vkaip', ['lb', 'rs1', 'rs2', 'rs3'], {
      addresses: { lb: [`${VIP}/24`, '198.51.100.1/24'], rs1: [`${RS.rs1}/24`], rs2: [`${RS.rs2}/24`], rs3: [`${RS.rs3}/24`] },
    });
    await Promise.all(Object.keys(RS).map(startServer));
  });

  after(async () => {
    await lab?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('same table after the checks settle and after real servers stop', async (t) => {
    const settled = [
      `TCP ${VIP}:80 wrr persistent 30`,
      `-> ${RS.rs1}:80 Masq 3`,
      `-> ${RS.rs2}:80 Masq 1`,
      `-> ${RS.rs3}:80 Masq 2`,
      `TCP ${VIP}:8080 sh`,
      `-> ${RS.rs1}:8080 Masq 1`,
      `-> ${RS.rs2}:8080 Masq 1`,
    ].join('\n');
    // rs2 is removed; rs3 (inhibit_on_failure) stays with weight 0; no checks on :8080.
    const afterStop = [
      `TCP ${VIP}:80 wrr persistent 30`,
      `-> ${RS.rs1}:80 Masq 3`,
      `-> ${RS.rs3}:80 Masq 0`,
      `TCP ${VIP}:8080 sh`,
      `-> ${RS.rs1}:8080 Masq 1`,
      `-> ${RS.rs2}:8080 Masq 1`,
    ].join('\n');
    const conf = path.join(dir, 'keepalived.conf');
    const t0 = performance.now();
    const ka = await observe('keepalived', 'keepalived', ['--dont-fork', '--log-console', '--check', '-f', conf, '-p', path.join(dir, 'ka.pid'), '-c', path.join(dir, 'ka-check.pid')], settled, afterStop);
    const t1 = performance.now();
    const hc = await observe('hacore', process.execPath, [path.join(ROOT, 'packages/core/bin/hacore.js'), 'start', '--single-process', '--keepalived-config', conf, '--config', path.join(dir, 'overlay.json')], settled, afterStop);
    t.diagnostic(`keepalived run ${Math.round(t1 - t0)} ms, hacore run ${Math.round(performance.now() - t1)} ms (TCG)`);
    assert.equal(hc.first, ka.first);
    assert.equal(hc.second, ka.second);
  });
});

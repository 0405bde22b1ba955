// ICMP checker in network namespaces (shared/LAB.md): a host that answers, one
// whose interface is down, one whose nftables drops echo requests, IPv4 and
// IPv6, a late reply counted, source address / interface options, no leaks
// after 1,000 probes, a missing CAP_NET_RAW, and the checker through the core.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Lab } from '../lib/lab.mjs';
import { PLUGIN, RESPONDER, runInNamespace } from '../../packages/checker-icmp/test-support/run-child.mjs';

const runChild = (lab, host, job, opts) => runInNamespace(lab.ns(host), job, opts);

const A = {
  chk: '198.51.100.1', chk2: '198.51.100.2', up: '198.51.100.11', down: '198.51.100.12', drop: '198.51.100.13', slow: '198.51.100.14',
  chk6: '2001:db8::1', chk62: '2001:db8::2', up6: '2001:db8::11', down6: '2001:db8::12', drop6: '2001:db8::13',
};

describe('ICMP checker in a namespace lab', () => {
  let lab;
  let responder;
  before(async () => {
    lab = await Lab.create('icmp', ['chk', 'up', 'down', 'drop', 'slow'], {
      addresses: {
        chk: [`${A.chk}/24`, `${A.chk2}/24`, `${A.chk6}/64`],
        up: [`${A.up}/24`, `${A.up6}/64`],
        down: [`${A.down}/24`, `${A.down6}/64`],
        drop: [`${A.drop}/24`, `${A.drop6}/64`],
        slow: [`${A.slow}/24`],
      },
    });
    // Deprecated, so that only a probe that asks for it uses it as its source.
    await lab.ip('chk', ['addr', 'add', `${A.chk62}/64`, 'dev', 'eth0', 'nodad', 'preferred_lft', '0']);
    await lab.ip('down', ['link', 'set', 'eth0', 'down']);
    for (const rule of [
      ['add', 'table', 'inet', 'hacoretest'],
      ['add', 'chain', 'inet', 'hacoretest', 'input', '{ type filter hook input priority 0; policy accept; }'],
      ['add', 'rule', 'inet', 'hacoretest', 'input', 'icmp', 'type', 'echo-request', 'drop'],
      ['add', 'rule', 'inet', 'hacoretest', 'input', 'icmpv6', 'type', 'echo-request', 'drop'],
    ]) await lab.exec('drop', 'nft', rule);
    // Counters that show which source address the requests came from.
    for (const rule of [
      ['add', 'table', 'inet', 'hacoretest'],
      ['add', 'chain', 'inet', 'hacoretest', 'input', '{ type filter hook input priority 0; policy accept; }'],
      ['add', 'rule', 'inet', 'hacoretest', 'input', 'ip', 'saddr', A.chk2, 'icmp', 'type', 'echo-request', 'counter'],
      ['add', 'rule', 'inet', 'hacoretest', 'input', 'ip6', 'saddr', A.chk62, 'icmpv6', 'type', 'echo-request', 'counter'],
    ]) await lab.exec('up', 'nft', rule);
    // The slow host answers from user space after 2 s; its kernel stays silent.
    await lab.exec('slow', 'sysctl', ['-q', '-w', 'net.ipv4.icmp_echo_ignore_all=1']);
    responder = lab.spawn('slow', process.execPath, [RESPONDER, '2000']);
    await new Promise((resolve, reject) => {
      responder.stdout.once('data', resolve);
      responder.once('exit', (c) => reject(new Error(`responder exited ${c}`)));
    });
  });
  after(async () => {
    await lab?.destroy();
  });

  describe('one round of probes to every kind of host, IPv4 and IPv6', () => {
    let r;
    const by = (address) => r.results.find((x) => x.address === address);
    before(async () => {
      r = await runChild(lab, 'chk', {
        mode: 'probe',
        // Generous against a loaded CI machine; the slow host answers after 2 s, inside the wait.
        timeoutMs: 1000,
        lateWaitMs: 1800,
        targets: [A.up, A.down, A.drop, A.slow, A.up6, A.down6, A.drop6],
      });
    });

    test('a host that answers is up, IPv4 and IPv6', () => {
      assert.equal(by(A.up).ok, true, JSON.stringify(by(A.up)));
      assert.equal(by(A.up).reason, 'echo reply');
      assert.ok(by(A.up).latencyMs > 0 && by(A.up).latencyMs < 1000);
      assert.equal(by(A.up6).ok, true, JSON.stringify(by(A.up6)));
    });

    test('a host whose interface is down is down, IPv4 and IPv6', () => {
      assert.equal(by(A.down).ok, false);
      assert.equal(by(A.down6).ok, false);
    });

    test('a host that drops echo requests (nftables) times out, IPv4 and IPv6', () => {
      assert.deepEqual([by(A.drop).ok, by(A.drop).reason], [false, 'timeout']);
      assert.deepEqual([by(A.drop6).ok, by(A.drop6).reason], [false, 'timeout']);
    });

    test('a reply after the timeout is counted as late and ignored', () => {
      assert.deepEqual([by(A.slow).ok, by(A.slow).reason], [false, 'timeout']);
      assert.equal(r.status.ipv4.late, 1, JSON.stringify(r.status.ipv4));
      assert.equal(r.status.ipv4.matched, 1);
    });

    test('one shared socket per family, closed with the last checker; nothing left behind', () => {
      assert.deepEqual(Object.keys(r.status).sort(), ['ipv4', 'ipv6']);
      assert.equal(r.status.ipv4.refs, 4);
      assert.equal(r.status.ipv6.refs, 3);
      assert.equal(r.sockets, 0);
      assert.equal(r.fdsDuring, r.fdsBefore + 2);
      assert.equal(r.fdsAfter, r.fdsBefore);
      assert.deepEqual(r.resAfter, r.resBefore);
    });
  });

  test('sourceAddress sets the source of the requests; interface binds the socket', async () => {
    const r = await runChild(lab, 'chk', {
      mode: 'probe',
      timeoutMs: 500,
      targets: [
        { address: A.up, options: { sourceAddress: A.chk2 } },
        { address: A.up6, options: { sourceAddress: A.chk62 } },
        { address: A.up, options: { interface: 'eth0' } },
        { address: A.up, options: { interface: 'lo' } },
        { address: A.up, options: { interface: 'nosuch0' } },
      ],
    });
    assert.deepEqual(r.results.map((x) => x.ok), [true, true, true, false, false], JSON.stringify(r.results));
    assert.equal(r.results[4].reason, 'HACORE_ERR_ICMP_SOCKET');
    const ruleset = await lab.exec('up', 'nft', ['list', 'table', 'inet', 'hacoretest']);
    const counts = [...ruleset.matchAll(/counter packets (\d+)/g)].map((m) => Number(m[1]));
    assert.deepEqual(counts, [1, 1], ruleset);
    assert.deepEqual(Object.keys(r.status).sort(), [`ipv4%eth0`, `ipv4%lo`, `ipv4@${A.chk2}`, `ipv6@${A.chk62}`].sort());
  });

  test('replies that came in time but were not read before the deadline (event loop blocked) are replies, not timeouts', async () => {
    // More replies than one readable event reads (2,048), all queued while the loop is blocked
    // past the deadline: the timers must not fire before the queue is read.
    const targets = [...Array.from({ length: 3000 }, () => A.up), A.up6, A.drop];
    const r = await runChild(lab, 'chk', { mode: 'probe', timeoutMs: 300, blockMs: 800, targets });
    const wrong = r.results.filter((x, i) => x.ok !== (i < 3001));
    assert.equal(wrong.length, 0, `${wrong.length} wrong, e.g. ${JSON.stringify(wrong.slice(0, 3))}`);
    assert.equal(r.results.at(-1).reason, 'timeout');
    assert.equal(r.status.ipv4.late + r.status.ipv6.late, 0);
  });

  test('replies to another program\'s pings reach the shared sockets and settle none of our probes', async () => {
    const r = await runChild(lab, 'chk', { mode: 'probe', timeoutMs: 1000, targets: [A.drop, A.drop6], foreignPings: [A.up, A.up6] });
    assert.deepEqual(r.results.map((x) => [x.ok, x.reason]), [[false, 'timeout'], [false, 'timeout']]);
    // ping's replies were seen (some during our probes) and counted as not ours.
    assert.ok(r.status.ipv4.unknown >= 1, JSON.stringify(r.status.ipv4));
    assert.ok(r.status.ipv6.unknown >= 1, JSON.stringify(r.status.ipv6));
    assert.equal(r.status.ipv4.matched + r.status.ipv6.matched, 0);
  });

  test('1,000 probes (replies, timeouts, aborts) leave no socket, timer or descriptor behind', async () => {
    const addresses = [];
    for (let i = 0; i < 50; i++) addresses.push(i % 10 === 9 ? A.drop : i % 2 ? A.up6 : A.up);
    const r = await runChild(lab, 'chk', { mode: 'leak', addresses, probes: 1000, timeoutMs: 300, abortEvery: 7, abortAfterMs: 1 });
    assert.equal(r.ok + r.fail, 1000);
    assert.ok(r.ok > 700, JSON.stringify(r));
    assert.ok(r.fail >= 100, JSON.stringify(r));
    assert.deepEqual(Object.keys(r.reasons), ['timeout'], JSON.stringify(r.reasons));
    assert.equal(r.maxFds, r.fdsBefore + 2, 'one socket per family, none per probe');
    assert.equal(r.fdsAfter, r.fdsBefore);
    assert.deepEqual(r.resAfter, r.resBefore);
    assert.equal(r.sockets, 0);
    assert.equal(r.status.ipv4.inFlight, 0);
  });

  test('without CAP_NET_RAW: a coded error, from the socket and from the start hook', async () => {
    const wrap = ['setpriv', '--inh-caps=-net_raw', '--bounding-set=-net_raw', '--'];
    const direct = await runChild(lab, 'chk', { mode: 'cap', family: 4 }, { wrap });
    assert.equal(direct.opened, false);
    assert.equal(direct.code, 'HACORE_ERR_ICMP_CAP_NET_RAW');
    assert.equal(direct.errno, 'EPERM');
    assert.match(direct.message, /CAP_NET_RAW/);
    const viaCore = await runChild(lab, 'chk', {
      mode: 'core',
      config: { plugins: [PLUGIN], checks: [{ name: 'v6', type: 'icmp', address: A.up6 }] },
    }, { wrap });
    assert.equal(viaCore.startError?.code, 'HACORE_ERR_ICMP_CAP_NET_RAW', JSON.stringify(viaCore));
    assert.equal(viaCore.sockets, 0);
  });

  test('through the core: Hacore.load, start, target-state events, status section, stop; a bad interface fails only its check', async () => {
    const r = await runChild(lab, 'chk', {
      mode: 'core',
      want: 3,
      config: {
        plugins: [PLUGIN],
        checks: [
          { name: 'up4', type: 'icmp', address: A.up, interval: '200ms', timeout: '1s', warmup: '0ms' },
          { name: 'drop6', type: 'icmp', address: A.drop6, interval: '200ms', timeout: '1s', warmup: '0ms' },
          // A missing interface fails its own check, not the start.
          { name: 'badif', type: 'icmp', address: A.up, interface: 'nosuch0', interval: '200ms', timeout: '1s', warmup: '0ms' },
        ],
      },
    });
    const states = Object.fromEntries(r.events.filter((e) => e.kind === 'target-state').map((e) => [e.check, [e.to, e.reason]]));
    assert.deepEqual(states, { up4: ['up', 'echo reply'], drop6: ['down', 'timeout'], badif: ['down', 'HACORE_ERR_ICMP_SOCKET'] });
    assert.deepEqual(Object.keys(r.icmp.sockets).sort(), ['ipv4', 'ipv6']);
    assert.ok(r.icmp.sockets.ipv4.matched >= 1);
    assert.equal(typeof r.icmp.sockets.ipv4.late, 'number');
    assert.equal(r.socketsAfterStop, 0);
  });
});

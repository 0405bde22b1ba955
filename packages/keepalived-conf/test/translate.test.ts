import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KaConfError, KEEPALIVED_KEYWORDS, parseKeepalivedText, sourceOf, translate } from '../src/index.js';
import { refused, tr } from './translate-helpers.js';

const INSTANCE = `vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  priority 120
  advert_int 0.5
  version 3
  virtual_ipaddress {
    198.51.100.10/24 dev eth0 label eth0:v scope global
  }
}
`;

test('a vrrp_instance becomes vrrp.instances[] with camelCase keys and durations', () => {
  const t = tr(`global_defs {\n  vrrp_garp_master_delay 2\n}\n${INSTANCE}`);
  assert.deepEqual(t.doc.plugins, ['@hacore/vrrp']);
  assert.deepEqual((t.doc.vrrp as { instances: unknown[] }).instances[0], {
    name: 'VI_1',
    interface: 'eth0',
    vrid: 51,
    priority: 120,
    advertInterval: '500ms',
    version: 3,
    virtualAddresses: [{ address: '198.51.100.10/24', dev: 'eth0', label: 'eth0:v', scope: 'global' }],
    garpMasterDelay: '2s',
  });
  assert.deepEqual(sourceOf(t.sources, 'vrrp.instances[0].priority'), { file: '/etc/keepalived/keepalived.conf', line: 7, chain: [] });
  // The global default is traced to global_defs.
  assert.equal(sourceOf(t.sources, 'vrrp.instances[0].garpMasterDelay')?.line, 2);
  // A path below a recorded one falls back to its block.
  assert.equal(sourceOf(t.sources, 'vrrp.instances[0].virtualAddresses[0].label')?.line, 10);
});

test('unknown keywords get a "did you mean", unsupported ones "not supported by hacore yet", all listed at once', () => {
  const e = refused(INSTANCE.replace('priority 120', 'priorty 120\n  vrrp_strict\n  dont_track_primary'));
  assert.equal(e.code, 'HACORE_ERR_KACONF_UNKNOWN_KEYWORD');
  assert.equal(e.problems.length, 3);
  assert.match(e.problems[0]!.message, /unknown keyword "priorty".*did you mean "priority"\?/);
  assert.equal(e.problems[0]!.line, 4);
  assert.match(e.problems[1]!.message, /vrrp_strict: not supported by hacore yet/);
  assert.match(e.problems[2]!.message, /dont_track_primary: not supported by hacore yet/);
  const u = refused(INSTANCE.replace('priority 120', 'dont_track_primary'));
  assert.equal(u.code, 'HACORE_ERR_KACONF_UNSUPPORTED');
});

test('lenient drops unsupported keywords with one warning each, never unknown ones', () => {
  const t = tr(INSTANCE.replace('priority 120', 'dont_track_primary\n  lvs_sync_daemon eth0 VI_1'), true);
  assert.equal(t.warnings.length, 2);
  assert.match(t.warnings[0]!.message, /dont_track_primary: not supported/);
  assert.equal(t.report.filter((r) => r.kind === 'dropped').length, 2);
  assert.throws(() => tr(INSTANCE.replace('priority 120', 'priorty 1'), true), (err: unknown) => err instanceof KaConfError && err.code === 'HACORE_ERR_KACONF_UNKNOWN_KEYWORD');
});

test('bad values are refused with their line', () => {
  const e = refused(INSTANCE.replace('priority 120', 'priority 256'));
  assert.equal(e.code, 'HACORE_ERR_KACONF_INVALID');
  assert.equal(e.line, 4);
  assert.match(e.message, /keepalived\.conf:4: .*expected an integer from 1 to 255, found "256"/);
});

test('virtual_server with real servers, checks, notify scripts and sorry server', () => {
  const t = tr(`virtual_server 198.51.100.100 80 {
  delay_loop 3
  lb_algo rr
  lb_kind DR
  protocol TCP
  persistence_timeout 60
  ha_suspend
  virtualhost www.example.com
  quorum_up "/bin/echo up"
  sorry_server 203.0.113.99 8080
  real_server 203.0.113.11 80 {
    weight 2
    notify_down "/bin/echo 'rs down'"
    HTTP_GET {
      url {
        path /health
        status_code 200-299 301
      }
      connect_timeout 2
      retry 3
      delay_before_retry 1.5
    }
    MISC_CHECK {
      misc_path "/bin/true a"
      misc_dynamic
    }
  }
}
`);
  assert.deepEqual(t.doc.plugins, ['@hacore/checker-http', '@hacore/checker-script', '@hacore/ipvs', '@hacore/notifier-script']);
  assert.deepEqual(t.doc.virtualServers, [
    {
      address: '198.51.100.100',
      port: 80,
      delayLoop: '3s',
      scheduler: 'rr',
      forwarding: 'droute',
      protocol: 'tcp',
      persistence: '60s',
      haSuspend: true,
      sorryServer: { address: '203.0.113.99', port: 8080 },
      realServers: [
        {
          address: '203.0.113.11',
          port: 80,
          weight: 2,
          checks: [
            { type: 'http', virtualhost: 'www.example.com', urls: [{ path: '/health', status: ['200-299 301'] }], timeout: '2s', fall: 3, retryDelay: '1500ms' },
            { type: 'script', command: ['/bin/true', 'a'], dynamicWeight: true, timeout: '5s' },
          ],
        },
      ],
    },
  ]);
  assert.deepEqual(t.doc.notify, {
    virtualServers: { '198.51.100.100:80/tcp': { realServers: { '203.0.113.11:80': { notifyDown: ['/bin/echo', 'rs down'] } }, quorumUp: ['/bin/echo', 'up'] } },
  });
});

test('keyword coverage: every handled keyword is a keepalived keyword', () => {
  const translated = new Set(tr(`${INSTANCE}`).report.map((r) => r.keyword));
  for (const k of translated) assert.ok(KEEPALIVED_KEYWORDS.has(k), k);
});

import fc from 'fast-check';

test('property: translate throws nothing but KaConfError on any tree of keepalived keywords', () => {
  const words = ['global_defs', 'vrrp_instance', 'vrrp_script', 'vrrp_sync_group', 'virtual_server', 'virtual_server_group', 'real_server', 'TCP_CHECK', 'HTTP_GET', 'SSL_GET', 'MISC_CHECK', 'PING_CHECK', 'url', 'virtual_ipaddress', 'virtual_routes', 'track_script', 'track_interface', 'unicast_peer', 'authentication', 'notification_email', 'group', 'priority', 'interface', 'virtual_router_id', 'advert_int', 'weight', 'delay_loop', 'lb_algo', 'lb_kind', 'protocol', 'smtp_server', 'script', 'misc_path', 'sorry_server', 'persistence_timeout', 'fwmark', 'path', 'status_code', 'notify_up', 'bogus_kw', 'auth_type', 'script_user', 'nopreempt', 'use_vmac', 'quorum'];
  const args = fc.array(fc.oneof(fc.constantFrom('198.51.100.1', '80', '-1', '0x10', 'NAT', 'DR', 'rr', 'PASS', 'dev', 'eth0', 'label', 'weight', '1.5', '', 'fwmark', 'group', 'TCP', '2001:db8::1', '203.0.113.0/24', 'via'), fc.string({ maxLength: 4 })), { maxLength: 4 });
  const tree: fc.Arbitrary<string> = fc.letrec<{ block: string }>((tie) => ({
    block: fc.array(
      fc.oneof(
        { depthSize: 'small' },
        fc.tuple(fc.constantFrom(...words), args).map(([k, a]) => `${k} ${a.map((x) => JSON.stringify(x)).join(' ')}\n`),
        fc.tuple(fc.constantFrom(...words), args, tie('block')).map(([k, a, b]) => `${k} ${a.map((x) => JSON.stringify(x)).join(' ')} {\n${b}}\n`),
      ),
      { maxLength: 5 },
    ).map((lines) => lines.join('')),
  })).block;
  fc.assert(
    fc.property(tree, (text) => {
      try {
        translate(parseKeepalivedText(text, { configId: 'lb1' }));
      } catch (err) {
        if (!(err instanceof KaConfError)) throw err;
      }
    }),
    { numRuns: 1500 },
  );
});

test('lvs_sync_daemon becomes ipvs.syncDaemon, driven by the named instance', () => {
  const { doc } = tr(`global_defs {\n  lvs_sync_daemon eth1 VI_1 id 51 maxlen 1400 port 8849 ttl 2 group 224.0.0.82\n}\n${INSTANCE}`);
  assert.deepEqual(doc.ipvs, { syncDaemon: { interface: 'eth1', vrrpInstance: 'VI_1', syncId: 51, maxLength: 1400, port: 8849, ttl: 2, group: '224.0.0.82' } });
  assert.ok((doc.plugins as string[]).includes('@hacore/ipvs'));
  assert.equal(tr(`global_defs {\n  lvs_sync_daemon eth1 VI_1\n}\n${INSTANCE}`).doc.ipvs && true, true);
  assert.match(refused(`global_defs {\n  lvs_sync_daemon eth1 VI_1 id 300\n}\n`).message, /id: expected an integer 0-255/);
});

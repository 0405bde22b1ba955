// Every name that one part of the config uses and another defines is checked by
// `hacore check-config` (and so before any side effect of start and reload):
// one case per kind of reference, each asserting the file, line, config path
// and reason of the error. Runs the real CLI on real files; `start` and
// `reload` are shown to refuse the same files without changing anything.
import assert from 'node:assert/strict';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HacoreProcess, hacoreCli, repoTempDir, acceptingServer } from '../lib/daemon.mjs';

const dir = repoTempDir('xref');
after(() => rmSync(dir, { recursive: true, force: true }));

const MARK = '  #<';

/**
 * Writes `lines` (the line ending in `#<` is the one the error must name) and
 * runs check-config: resolves with the one error line of the failure.
 */
async function refusal(name, lines) {
  const file = path.join(dir, `${name}.yaml`);
  const text = lines.join('\n');
  const line = lines.findIndex((l) => l.endsWith(MARK)) + 1;
  assert.ok(line > 0, 'the case marks the line of its error');
  writeFileSync(file, `${text.replaceAll(MARK, '')}\n`, { mode: 0o600 });
  const r = await hacoreCli(['check-config', '--config', file]);
  assert.equal(r.code, 1, `${name}: check-config accepted it: ${r.stdout}`);
  assert.match(r.stderr, /invalid configuration \(1 problem\)/, r.stderr);
  const found = r.stderr.split('\n').find((l) => l.includes(file));
  assert.ok(found, r.stderr);
  return { file, line, error: found.trim().replace(/ \[HACORE_ERR_CONFIG_INVALID\]$/, '') };
}

/** Asserts the exact `file:line: path: expected ..., found ...` of a refusal. */
async function assertRefused(name, lines, pathAndReason) {
  const { file, line, error } = await refusal(name, lines);
  assert.equal(error, `${file}:${line}: ${pathAndReason}`);
}

const vrrpInstance = (extra) => [
  'vrrp:',
  '  instances:',
  '    - name: VI_1',
  '      interface: eth0',
  '      vrid: 51',
  '      virtualAddresses: [198.51.100.10/24]',
  ...extra.map((l) => `      ${l}`),
];
const webCheck = ['checks:', '  - { name: web, type: tcp, address: 203.0.113.1, port: 80 }'];

describe('cross-references are checked by check-config', () => {
  test('vrrp: a tracked check must exist under checks: (a near miss gets a hint)', async () => {
    await assertRefused('track-check', ['plugins: ["@hacore/checker-tcp", "@hacore/vrrp"]', ...webCheck, ...vrrpInstance(['track:', `  checks: [wbe]${MARK}`])],
      'vrrp.instances[0].track.checks[0]: expected the name of a check under checks: (web), found "wbe" (did you mean "web"?)');
  });

  test('vrrp: a check tracked twice by one instance', async () => {
    await assertRefused('track-check-twice', ['plugins: ["@hacore/checker-tcp", "@hacore/vrrp"]', ...webCheck, ...vrrpInstance(['track:', '  checks:', '    - web', `    - { name: web, weight: 10 }${MARK}`])],
      'vrrp.instances[0].track.checks[1]: expected a check tracked once per instance, found "web"');
  });

  test('vrrp: a real server\'s inline check counts as a check that can be tracked', async () => {
    const file = path.join(dir, 'track-inline.yaml');
    const lines = [
      'plugins: ["@hacore/checker-tcp", "@hacore/ipvs", "@hacore/vrrp"]',
      'virtualServers:',
      '  - { name: web, address: 198.51.100.10, port: 80, protocol: tcp, realServers: [{ address: 198.51.100.21, checks: [{ type: tcp, name: rs21 }] }] }',
      ...vrrpInstance(['track:', '  checks: [rs21]']),
    ];
    writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
    const ok = await hacoreCli(['check-config', '--config', file]);
    assert.equal(ok.code, 0, ok.stderr);
    writeFileSync(file, `${lines.join('\n').replace('[rs21]', '[rs22]')}\n`, { mode: 0o600 });
    const bad = await hacoreCli(['check-config', '--config', file]);
    assert.match(bad.stderr, /vrrp\.instances\[0\]\.track\.checks\[0\]: expected the name of a check under checks: \(rs21\), found "rs22"/);
  });

  test('vrrp: an interface tracked twice by one instance', async () => {
    await assertRefused('track-if-twice', ['plugins: ["@hacore/vrrp"]', ...vrrpInstance(['track:', '  interfaces:', '    - eth1', `    - { name: eth1, weight: -20 }${MARK}`])],
      'vrrp.instances[0].track.interfaces[1]: expected an interface tracked once per instance, found "eth1"');
  });

  test('vrrp: a tracked script must be one of vrrp.scripts', async () => {
    await assertRefused('track-script', [
      'plugins: ["@hacore/vrrp"]',
      ...vrrpInstance(['track:', `  scripts: [chk_hapraxy]${MARK}`]),
      '  scripts:',
      '    chk_haproxy: { command: [/usr/bin/true] }',
    ], 'vrrp.instances[0].track.scripts[0]: expected the name of a script under vrrp.scripts (chk_haproxy), found "chk_hapraxy" (string) (did you mean "chk_haproxy"?)');
  });

  test('vrrp: a tracked file must be one of vrrp.files', async () => {
    await assertRefused('track-file', [
      'plugins: ["@hacore/vrrp"]',
      ...vrrpInstance(['track:', `  files: [other]${MARK}`]),
      '  files:',
      '    prio: { path: /run/hacore-test-prio }',
    ], 'vrrp.instances[0].track.files[0]: expected the name of a file under vrrp.files (prio), found "other" (string)');
  });

  test('vrrp: a tracked BFD session must be one of bfd.instances', async () => {
    await assertRefused('track-bfd', [
      'plugins: ["@hacore/bfd", "@hacore/vrrp"]',
      'bfd:',
      '  instances: [{ name: peer1, neighbor: 198.51.100.2 }]',
      ...vrrpInstance(['track:', `  bfd: [peer2]${MARK}`]),
    ], 'vrrp.instances[0].track.bfd[0]: expected the name of a session under bfd.instances (peer1), found "peer2" (did you mean "peer1"?)');
  });

  test('vrrp: a sync group member must be an instance', async () => {
    await assertRefused('sync-group', [
      'plugins: ["@hacore/vrrp"]',
      ...vrrpInstance([]),
      '  syncGroups:',
      `    - { name: G1, instances: [VI_1, VI_2] }${MARK}`,
    ], 'vrrp.syncGroups[0].instances[1]: expected the name of an instance under vrrp.instances, found "VI_2" (string) (did you mean "VI_1"?)');
  });

  test('bfd: a check of type bfd must follow a session of bfd.instances', async () => {
    await assertRefused('bfd-check', [
      'plugins: ["@hacore/bfd"]',
      'bfd:',
      '  instances: [{ name: peer1, neighbor: 198.51.100.2 }]',
      'checks:',
      `  - { name: b, type: bfd, session: peer9 }${MARK}`,
    ], 'checks[0].session: expected the name of a session under bfd.instances (peer1), found "peer9"');
  });

  test('ipvs: a virtual server\'s group must be one of virtualServerGroups', async () => {
    await assertRefused('vs-group', [
      'plugins: ["@hacore/ipvs"]',
      'virtualServerGroups:',
      '  front: [{ address: 198.51.100.10 }]',
      'virtualServers:',
      `  - { name: web, group: frnot, port: 80, protocol: tcp, realServers: [{ address: 198.51.100.21 }] }${MARK}`,
    ], 'virtualServers[0].group: expected the name of a virtualServerGroups entry (front), found "frnot" (string) (did you mean "front"?)');
  });

  test('ipvs: the sync daemon follows a vrrp instance', async () => {
    await assertRefused('sync-daemon', [
      'plugins: ["@hacore/ipvs", "@hacore/vrrp"]',
      ...vrrpInstance([]),
      'ipvs:',
      `  syncDaemon: { interface: eth0, vrrpInstance: VI_9 }${MARK}`,
    ], 'ipvs.syncDaemon.vrrpInstance: expected the name of a vrrp instance (VI_1), found "VI_9"');
  });

  test('notify: scripts by check name name a check', async () => {
    await assertRefused('notify-check', [
      'plugins: ["@hacore/checker-tcp", "@hacore/notifier-script"]',
      ...webCheck,
      'notify:',
      '  checks:',
      `    wbe: { notifyDown: [/usr/bin/true] }${MARK}`,
    ], 'notify.checks.wbe: expected the name of a check under checks: (web) or "*", found "wbe" (did you mean "web"?)');
  });

  test('notify: scripts by instance and by sync group name an instance and a group', async () => {
    const base = ['plugins: ["@hacore/vrrp", "@hacore/notifier-script"]', ...vrrpInstance([]), '  syncGroups: [{ name: G1, instances: [VI_1] }]', 'notify:'];
    await assertRefused('notify-instance', [...base, '  instances:', '    "*": { notify: [/usr/bin/true] }', `    VI_2: { notifyMaster: [/usr/bin/true] }${MARK}`],
      'notify.instances.VI_2: expected the name of an instance under vrrp.instances (VI_1) or "*", found "VI_2" (did you mean "VI_1"?)');
    await assertRefused('notify-group', [...base, '  groups:', `    G2: { notify: [/usr/bin/true] }${MARK}`],
      'notify.groups.G2: expected the name of a sync group under vrrp.syncGroups (G1) or "*", found "G2" (did you mean "G1"?)');
  });

  test('notify: scripts by virtual server and real server name them as the IPVS plugin does', async () => {
    const base = [
      'plugins: ["@hacore/ipvs", "@hacore/notifier-script"]',
      'virtualServers:',
      '  - { address: 198.51.100.10, port: 80, protocol: tcp, realServers: [{ address: 198.51.100.21 }, { address: 198.51.100.23, port: 8080 }] }',
      'notify:',
      '  virtualServers:',
    ];
    await assertRefused('notify-vs', [...base, `    web: { quorumDown: [/usr/bin/true] }${MARK}`],
      'notify.virtualServers.web: expected the name of a virtual server under virtualServers (198.51.100.10:80/tcp) or "*", found "web"');
    await assertRefused('notify-rs', [...base, '    198.51.100.10:80/tcp:', '      realServers:', '        198.51.100.23:8080: { notifyUp: [/usr/bin/true] }', `        198.51.100.22:80: { notifyUp: [/usr/bin/true] }${MARK}`],
      'notify.virtualServers["198.51.100.10:80/tcp"].realServers["198.51.100.22:80"]: expected a real server of virtual server 198.51.100.10:80/tcp as address:port (198.51.100.21:80, 198.51.100.23:8080) or "*", found "198.51.100.22:80" (did you mean "198.51.100.21:80"?)');
  });

  test('notifiers: an events filter names declared event kinds', async () => {
    await assertRefused('notify-events', ['plugins: ["@hacore/notifier-script"]', 'notify:', '  events:', `    vrrp-transtion: [/usr/bin/true]${MARK}`],
      'notify.events.vrrp-transtion: expected an event kind declared by the core or a loaded plugin (target-state, daemon, operator-action, plugin-error), found "vrrp-transtion"');
    await assertRefused('webhook-events', ['plugins: ["@hacore/notifier-webhook"]', 'webhooks:', '  endpoints:', '    - url: http://127.0.0.1:9/', `      events: [target-stat]${MARK}`],
      'webhooks.endpoints[0].events[0]: expected an event kind declared by the core or a loaded plugin (target-state, daemon, operator-action, plugin-error), found "target-stat" (did you mean "target-state"?)');
    await assertRefused('smtp-events', ['plugins: ["@hacore/notifier-smtp"]', 'smtp:', '  smtpServer: 127.0.0.1', '  notificationEmailFrom: hacore@example.org', '  notificationEmail: [ops@example.org]', `  events: [deamon]${MARK}`],
      'smtp.events[0]: expected an event kind declared by the core or a loaded plugin (target-state, daemon, operator-action, plugin-error), found "deamon" (did you mean "daemon"?)');
  });

  test('bgp: a prefix condition names a check', async () => {
    await assertRefused('bgp-check', [
      'plugins: ["@hacore/checker-tcp", "@hacore/bgp"]',
      ...webCheck,
      'bgp:',
      '  localAs: 65001',
      '  routerId: 198.51.100.11',
      '  neighbors: [{ address: 198.51.100.1, remoteAs: 65000 }]',
      '  prefixes:',
      `    - { prefix: 203.0.113.10/32, when: { check: wbe } }${MARK}`,
    ], 'bgp.prefixes[0].when: expected the name of a check under checks: (web), found "wbe" (did you mean "web"?)');
  });

  const bgpSection = (when) => [
    'bgp:',
    '  localAs: 65001',
    '  routerId: 198.51.100.11',
    '  neighbors: [{ address: 198.51.100.1, remoteAs: 65000 }]',
    '  prefixes:',
    `    - { prefix: 203.0.113.10/32, when: ${when} }${MARK}`,
  ];

  test('bgp: a quorum condition names a virtual server', async () => {
    await assertRefused('bgp-quorum', [
      'plugins: ["@hacore/ipvs", "@hacore/bgp"]',
      'virtualServers:',
      '  - { name: web-vs, address: 203.0.113.10, port: 80, realServers: [{ address: 198.51.100.21 }] }',
      ...bgpSection('{ all: [{ quorum: web-sv }] }'),
    ], 'bgp.prefixes[0].when: expected the name of a virtual server under virtualServers: (its quorum) (web-vs), found "web-sv" (did you mean "web-vs"?)');
  });

  test('bgp: a vrrpMaster condition names a vrrp instance', async () => {
    await assertRefused('bgp-vrrp', ['plugins: ["@hacore/vrrp", "@hacore/bgp"]', ...vrrpInstance([]), ...bgpSection('{ vrrpMaster: VI_2 }')],
      'bgp.prefixes[0].when: expected the name of a vrrp instance (is the @hacore/vrrp plugin loaded?) (VI_1), found "VI_2" (did you mean "VI_1"?)');
  });
});

describe('start and reload refuse the same files and change nothing', () => {
  let srv;
  let port;
  before(async () => {
    srv = await acceptingServer();
    port = srv.address().port;
  });
  after(() => srv.close());

  const daemonConfig = (name, extra) => [
    'plugins: ["@hacore/checker-tcp", "@hacore/notifier-script"]',
    `controlSocket: ${path.join(dir, `${name}.sock`)}`,
    `pidFile: ${path.join(dir, `${name}.pid`)}`,
    'checks:',
    `  - { name: a, type: tcp, address: 127.0.0.1, port: ${port}, interval: 100ms, timeout: 500ms, warmup: 0ms }`,
    ...extra,
    '',
  ].join('\n');

  test('start: exits with the error before it makes its control socket or pid file', async () => {
    const file = path.join(dir, 'start.yaml');
    writeFileSync(file, daemonConfig('start', ['notify:', '  checks:', '    b: { notifyUp: [/usr/bin/true] }']), { mode: 0o600 });
    const r = await hacoreCli(['start', '--config', file]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`${file.replaceAll('.', '\\.')}:8: notify\\.checks\\.b: expected the name of a check under checks: \\(a\\) or "\\*", found "b"`));
    assert.equal(existsSync(path.join(dir, 'start.sock')), false);
    assert.equal(existsSync(path.join(dir, 'start.pid')), false);
  });

  test('reload: refused in every process; the running config (and its checks) stays', async () => {
    const file = path.join(dir, 'reload.yaml');
    writeFileSync(file, daemonConfig('reload', []), { mode: 0o600 });
    const d = new HacoreProcess(['--config', file]);
    try {
      await d.waitFor((r) => r.check === 'a' && r.to === 'up', 15000, 'a up');
      // A new check and a script for a check that does not exist: nothing of it may apply.
      writeFileSync(file, daemonConfig('reload', [
        `  - { name: c, type: tcp, address: 127.0.0.1, port: ${port}, interval: 100ms, timeout: 500ms, warmup: 0ms }`,
        'notify:',
        '  checks:',
        '    b: { notifyUp: [/usr/bin/true] }',
      ]), { mode: 0o600 });
      const r = await hacoreCli(['reload', '--config', file]);
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stderr, /notify\.checks\.b: expected the name of a check under checks: \(a, c\) or "\*", found "b"/);
      const st = await hacoreCli(['status', '--json', '--config', file]);
      assert.equal(st.code, 0, st.stderr);
      assert.deepEqual(JSON.parse(st.stdout).check.targets.map((t) => t.check), ['a']);
      assert.equal(d.lines.some((l) => l.msg === 'config reloaded'), false, 'no process applied it');
    } finally {
      assert.equal((await d.stop()).code, 0);
    }
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { refused, tr } from './translate-helpers.js';

const vi = (name: string, vrid: number, extra = '') => `vrrp_instance ${name} {
  interface eth0
  virtual_router_id ${vrid}
  virtual_ipaddress {
    198.51.100.${vrid}/24
  }
${extra}}
`;

test('bfd_instance: keepalived keywords become the bfd section (ms, hop limit for IPv6, defaults left to hacore)', () => {
  const { doc } = tr(`bfd_instance b1 {
  neighbor_ip 198.51.100.2
  source_ip 198.51.100.1
  min_rx 3.312
  min_tx 50
  idle_tx 2000
  multiplier 3
  passive
  ttl 200
  hoplimit 64
  max_hops 2
  vrrp
}
bfd_instance b6 {
  neighbour_ip 2001:db8::2
  ttl 200
  hoplimit 255
}
`);
  assert.deepEqual(doc.plugins, ['@hacore/bfd']);
  assert.deepEqual(doc.bfd, {
    instances: [
      { name: 'b1', neighbor: '198.51.100.2', source: '198.51.100.1', minRx: '3.312ms', minTx: '50ms', idleTx: '2000ms', multiplier: 3, passive: true, maxHops: 2, ttl: 200 },
      { name: 'b6', neighbor: '2001:db8::2', ttl: 255 },
    ],
  });
});

test('track_bfd: weights from the item, else from the bfd_instance; reverse kept; a sync group tracks on each member with weight 0', () => {
  const { doc } = tr(`bfd_instance b1 {
  neighbor_ip 198.51.100.2
  weight -20
}
bfd_instance b2 {
  neighbor_ip 198.51.100.3
}
${vi('VI_1', 51, '  track_bfd {\n    b1\n    b2 weight 10 reverse\n  }\n')}
vrrp_sync_group G {
  group {
    VI_2
    VI_3
  }
  track_bfd {
    b2
  }
}
${vi('VI_2', 52)}
${vi('VI_3', 53, '  track_bfd {\n    b1 weight 5\n  }\n')}`);
  const inst = (doc.vrrp as { instances: { name: string; track?: { bfd?: unknown[] } }[] }).instances;
  assert.deepEqual(inst.map((i) => i.track?.bfd), [[{ name: 'b1', weight: -20 }, { name: 'b2', weight: 10, reverse: true }], ['b2'], ['b2']]);
});

test('BFD_CHECK on a real server is a type: bfd check of that session, without the real server delay_loop', () => {
  const { doc } = tr(`bfd_instance b1 {
  neighbor_ip 203.0.113.11
}
virtual_server 198.51.100.100 80 {
  delay_loop 3
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server 203.0.113.11 8080 {
    BFD_CHECK {
      name b1
    }
  }
}
`);
  const vs = (doc.virtualServers as { realServers: { checks: unknown[] }[] }[])[0]!;
  assert.deepEqual(vs.realServers[0]!.checks, [{ type: 'bfd', interval: '10ms', session: 'b1' }]);
  assert.ok((doc.plugins as string[]).includes('@hacore/bfd'));
});

test('bad BFD values are refused with file and line', () => {
  const e = refused(`bfd_instance b1 {
  neighbor_ip 198.51.100.2
  min_rx fast
  multiplier 0
}
bfd_instance b2 {
  min_tx 10
}
${vi('VI_1', 51, '  track_bfd {\n    b1 weight 300\n  }\n')}`);
  const m = e.message;
  assert.match(m, /keepalived\.conf:3: .*min_rx: expected a time in milliseconds/);
  assert.match(m, /keepalived\.conf:4: .*multiplier/);
  assert.match(m, /keepalived\.conf:6: .*a bfd_instance needs neighbor_ip/);
  assert.match(m, /b1 \[weight -253\.\.253/);
});

test('global_defs bfd_priority and bfd_rt_priority become the bfd process settings', () => {
  const { doc } = tr(`global_defs {
  bfd_priority -5
  bfd_rt_priority 50
}
bfd_instance b1 {
  neighbor_ip 198.51.100.2
}
`);
  assert.deepEqual(doc.bfd, { nice: -5, realtimePriority: 50, instances: [{ name: 'b1', neighbor: '198.51.100.2' }] });
  const e = refused(`global_defs {
  bfd_rt_priority 100
}
`);
  assert.equal(e.line, 2);
  assert.match(e.message, /1 to 99, found "100"/);
});

test('global_defs vrrp_priority and vrrp_rt_priority become vrrp.nice and vrrp.realtimePriority; without them hacore keeps its own default', () => {
  const { doc } = tr(`global_defs {
  vrrp_priority -10
  vrrp_rt_priority 50
}
${vi('VI_1', 51)}`);
  const vrrp = doc.vrrp as Record<string, unknown>;
  assert.equal(vrrp.nice, -10);
  assert.equal(vrrp.realtimePriority, 50);
  // No key written: the imported config gets hacore's default (SCHED_RR 1, docs/vrrp.md), not a copied "off".
  const plain = tr(vi('VI_1', 51)).doc.vrrp as Record<string, unknown>;
  assert.equal('realtimePriority' in plain, false);
  assert.equal('nice' in plain, false);
  // keepalived's range is 1..99: 0 is not a keepalived value, even though hacore reads it as "off".
  assert.equal(refused(`global_defs {\n  vrrp_rt_priority 0\n}\n${vi('VI_1', 51)}`).line, 2);
});

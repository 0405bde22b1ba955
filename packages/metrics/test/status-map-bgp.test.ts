import assert from 'node:assert/strict';
import { it } from 'node:test';
import { mapStatus } from '../src/status-map.js';

it('maps the bgp section of the bgp process to per-prefix and per-neighbour gauges', () => {
  const fams = mapStatus({
    bgp: {
      version: '0.1.0',
      pid: 1,
      bgp: {
        bgpd: { state: 'running', pid: 7, restarts: 2 },
        neighbors: [{ address: '198.51.100.1', state: 'Established', prefixesSent: 2 }, { address: '2001:db8::1', state: 'Active' }, { address: '198.51.100.2', state: 'bgpd-down' }, { state: 'Idle' }],
        prefixes: [
          { prefix: '203.0.113.10/32', condition: true, announced: true, flavour: 'degraded', since: 1_700_000_000_000 },
          { prefix: '2001:db8:10::10/128', condition: false, announced: false, flavour: null, since: 1_700_000_001_000 },
          { prefix: 7, announced: true },
        ],
      },
    },
  });
  const get = (n: string) => (fams.get(n as never) ?? []).map((s) => [s.labels, s.value]);
  assert.deepEqual(get('hacore_bgp_prefix_announced'), [[{ prefix: '203.0.113.10/32' }, 1], [{ prefix: '2001:db8:10::10/128' }, 0]]);
  assert.deepEqual(
    get('hacore_bgp_prefix_state').filter(([, v]) => v === 1),
    [[{ prefix: '203.0.113.10/32', state: 'degraded' }, 1], [{ prefix: '2001:db8:10::10/128', state: 'withdrawn' }, 1]],
  );
  assert.equal(get('hacore_bgp_prefix_state').length, 8);
  assert.deepEqual(get('hacore_bgp_prefix_condition'), [[{ prefix: '203.0.113.10/32' }, 1], [{ prefix: '2001:db8:10::10/128' }, 0]]);
  assert.deepEqual(get('hacore_bgp_prefix_state_since_seconds')[0], [{ prefix: '203.0.113.10/32' }, 1_700_000_000]);
  assert.deepEqual(get('hacore_bgp_session_up'), [[{ neighbor: '198.51.100.1' }, 1], [{ neighbor: '2001:db8::1' }, 0], [{ neighbor: '198.51.100.2' }, 0]]);
  assert.deepEqual(get('hacore_bgp_session_state').filter(([, v]) => v === 1), [[{ neighbor: '198.51.100.1', state: 'Established' }, 1], [{ neighbor: '2001:db8::1', state: 'Active' }, 1]]);
  assert.deepEqual(get('hacore_bgp_session_prefixes_sent'), [[{ neighbor: '198.51.100.1' }, 2]]);
  assert.deepEqual(get('hacore_bgp_bgpd_up'), [[{}, 1]]);
  assert.deepEqual(get('hacore_bgp_bgpd_restarts_total'), [[{}, 2]]);
});

it('gives no BGP sample for a missing or malformed bgp section', () => {
  for (const bgp of [undefined, 3, [], { prefixes: 'x', neighbors: {}, bgpd: [] }]) {
    const fams = mapStatus({ bgp: { bgp } });
    for (const [name, samples] of fams) if (String(name).startsWith('hacore_bgp_')) assert.deepEqual(samples, [], `${String(name)} for ${JSON.stringify(bgp)}`);
  }
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createCheckParser, schema as s } from '@hacore/core';
import { virtualServersSchema, virtualServerGroupsSchema, type InlineCheckParser } from '../src/config-schema.js';

const tcpOptions = s.object({ address: s.ip(), port: s.port(), send: s.optional(s.string()) });
const strict: InlineCheckParser = createCheckParser({ tcp: tcpOptions as never });

function parse(lookup: InlineCheckParser, value: unknown) {
  return s.validate(virtualServersSchema(lookup), value, 'virtualServers');
}

describe('virtualServers schema', () => {
  it('fills inline checks from the real server and the virtual server (address, port, delayLoop, alpha, name)', () => {
    const r = parse(strict, [
      { name: 'web', address: '198.51.100.10', port: 80, delayLoop: '2s', alpha: true, realServers: [{ address: '198.51.100.21', checks: [{ type: 'tcp' }, { type: 'tcp', port: 8080, interval: '1s' }] }] },
    ]);
    assert.deepEqual(r.issues, []);
    const [a, b] = r.value![0]!.realServers[0]!.checks;
    assert.equal(a!.name, 'web@198.51.100.21:80-0');
    assert.deepEqual(a!.target, { address: '198.51.100.21', port: 80 });
    assert.equal(a!.interval, 2000);
    assert.equal(a!.alpha, true);
    assert.equal(a!.retryDelay, 1000);
    assert.deepEqual(b!.target, { address: '198.51.100.21', port: 8080 });
    assert.equal(b!.interval, 1000);
    assert.equal(r.value![0]!.realServers[0]!.port, 80);
  });

  it('names an unknown option, an unknown type and a wrong key with their paths', () => {
    const r = parse(strict, [{ address: '198.51.100.10', port: 80, realServers: [{ address: '198.51.100.21', checks: [{ type: 'tcp', sned: 'x' }, { type: 'icmp' }] }], quorom: 2 }]);
    const paths = r.issues.map((i) => i.path);
    assert.ok(paths.includes('virtualServers[0].quorom'), paths.join(' '));
    // The base object failed, so the checks are only reached once it is fixed; fix it and look again.
    const r2 = parse(strict, [{ address: '198.51.100.10', port: 80, realServers: [{ address: '198.51.100.21', checks: [{ type: 'tcp', sned: 'x' }, { type: 'icmp' }] }] }]);
    const p2 = r2.issues.map((i) => i.path);
    assert.deepEqual(p2.sort(), ['virtualServers[0].realServers[0].checks[0].sned', 'virtualServers[0].realServers[0].checks[1].type']);
    assert.equal(r2.issues.find((i) => i.path.endsWith('sned'))!.hint, 'did you mean "send"?');
  });

  it('requires exactly one of address+port, fwmark or group, and real servers of the same family', () => {
    const r = parse(strict, [
      { address: '198.51.100.10', port: 80, fwmark: 1 },
      { address: '198.51.100.10' },
      { fwmark: 3, realServers: [{ address: '198.51.100.21' }] },
      { address: '198.51.100.10', port: 80, realServers: [{ address: '2001:db8::1' }, { address: '2001:db8::2', forwarding: 'tunnel' }] },
    ]);
    assert.deepEqual(
      r.issues.map((i) => i.path),
      ['virtualServers[0]', 'virtualServers[1].port', 'virtualServers[2].realServers[0].port', 'virtualServers[3].realServers[0].address'],
    );
  });

  it('groups: members are an address or a fwmark', () => {
    const r = s.validate(virtualServerGroupsSchema, { g: [{ address: '198.51.100.10' }, { fwmark: 2 }, { address: '198.51.100.11', fwmark: 3 }], 'bad name': [] }, 'virtualServerGroups');
    assert.deepEqual(r.issues.map((i) => i.path).sort(), ['virtualServerGroups.bad name', 'virtualServerGroups.g[2]']);
    const ranges = s.validate(virtualServerGroupsSchema, { g: [{ address: '198.51.100.1-10', port: 80 }, { address: '198.51.100.20-5' }] }, 'virtualServerGroups');
    assert.deepEqual(ranges.issues.map((i) => i.path), ['virtualServerGroups.g[1].address']);
  });
});

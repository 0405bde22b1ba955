import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NetlinkReflector, addressFromMessage, type LinkInfo } from '../src/netlink-reflector.js';

const eth0: LinkInfo = { index: 2, name: 'eth0', up: false, adminUp: true, running: false, mac: undefined };

describe('NetlinkReflector events', () => {
  it('a listener that throws neither hides the change from the others nor escapes emit', () => {
    const errors: string[] = [];
    const r = new NetlinkReflector((err, event) => errors.push(`${event}: ${(err as Error).message}`));
    const seen: string[] = [];
    r.on('link', () => {
      throw new Error('instance A broke');
    });
    r.on('link', (l) => seen.push(`B saw ${l.name} ${l.up ? 'up' : 'down'}`));
    r.once('link', (l) => seen.push(`C once ${l.name}`));
    assert.doesNotThrow(() => r.emit('link', eth0, undefined));
    r.emit('link', eth0, undefined);
    assert.deepEqual(seen, ['B saw eth0 down', 'C once eth0', 'B saw eth0 down']);
    assert.deepEqual(errors, ['link: instance A broke', 'link: instance A broke']);
    assert.equal(r.listenerErrors, 2);
  });
});

describe('addressFromMessage', () => {
  const msg = (family: number, local: Buffer) => ({ data: { family, index: 2, prefixlen: 24 }, attrs: { local } }) as unknown as Parameters<typeof addressFromMessage>[0];

  it('refuses an address attribute with too few octets instead of making up "198.51.undefined.undefined" (found by the netlink fuzzer)', () => {
    assert.equal(addressFromMessage(msg(2, Buffer.from([198, 51]))), undefined);
    assert.equal(addressFromMessage(msg(10, Buffer.alloc(8))), undefined);
    assert.equal(addressFromMessage(msg(2, Buffer.from([198, 51, 100, 7])))?.address, '198.51.100.7');
  });
});

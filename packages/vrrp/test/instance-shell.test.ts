/**
 * The instance shell (instance.ts) with in-memory stand-ins for the kernel: a
 * reflector holding one link, a netlink client holding addresses (and failing
 * when told to), and a transport recording what is sent. No sockets, no root.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import type { Logger } from 'pino';
import { parseVrrpSection, type VirtualAddress } from '../src/config-schema.js';
import { VrrpInstance, type InstanceDeps } from '../src/instance.js';
import type { NetlinkClient } from '../src/netlink.js';
import type { LinkInfo, NetlinkReflector } from '../src/netlink-reflector.js';
import type { InterfaceTransport, TransportRegistry, VrrpReceiver } from '../src/transport.js';

const quiet = { child: () => quiet, debug() {}, info() {}, warn() {}, error() {} } as unknown as Logger;

const eth0: LinkInfo = { index: 2, name: 'eth0', up: true, adminUp: true, running: true, mac: Buffer.from('020000000001', 'hex') };

class FakeReflector extends EventEmitter {
  eth: LinkInfo = { ...eth0 };
  link(name: string): LinkInfo | undefined {
    return name === this.eth.name ? this.eth : undefined;
  }
  primaryIpv4(): string {
    return '198.51.100.11';
  }
  linkLocal6(): string {
    return 'fe80::1';
  }
  hasAddress(): boolean {
    return false;
  }
}

class FakeNetlink {
  readonly addresses = new Set<string>();
  /** Deletes that fail (with EBUSY) before deletes work again. */
  failDeletes = 0;
  async addAddress(_ifindex: number, v: VirtualAddress): Promise<void> {
    this.addresses.add(v.address);
  }
  async deleteAddress(_ifindex: number, v: VirtualAddress): Promise<void> {
    if (this.failDeletes > 0) {
      this.failDeletes--;
      throw Object.assign(new Error('delete: EBUSY'), { code: 'EBUSY' });
    }
    this.addresses.delete(v.address);
  }
  async addRoute(): Promise<void> {}
  async deleteRoute(): Promise<void> {}
}

class FakeTransports {
  readonly sent: Uint8Array[] = [];
  receiver: VrrpReceiver | undefined;
  released = 0;
  acquire(_ifname: string, _ifindex: number, _family: 4 | 6, _vrid: number, rx: VrrpReceiver): InterfaceTransport {
    this.receiver = rx;
    return {
      send4: async (pkt: Uint8Array) => {
        this.sent.push(pkt);
        return pkt.length;
      },
    } as unknown as InterfaceTransport;
  }
  release(): void {
    this.receiver = undefined;
    this.released++;
  }
}

function owner(): { inst: VrrpInstance; netlink: FakeNetlink; transports: FakeTransports; reflector: FakeReflector } {
  const parsed = parseVrrpSection({ instances: [{ name: 'VI_1', interface: 'eth0', vrid: 51, priority: 255, virtualAddresses: ['198.51.100.200/24'], garpRepeat: 0 }] });
  assert.deepEqual(parsed.issues, []);
  const netlink = new FakeNetlink();
  const transports = new FakeTransports();
  const reflector = new FakeReflector();
  const deps: InstanceDeps = {
    reflector: reflector as unknown as NetlinkReflector,
    netlink: netlink as unknown as NetlinkClient,
    transports: transports as unknown as TransportRegistry,
    logger: quiet,
    onTransition: () => {},
  };
  return { inst: new VrrpInstance(parsed.value!.instances[0]!, deps), netlink, transports, reflector };
}

/** Waits (bounded) until `cond` holds; the shell's address queue runs on promises. */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100 && !cond(); i++) await new Promise((r) => setImmediate(r));
  assert.ok(cond(), what);
}

describe('VrrpInstance shell', () => {
  it('an owner goes Master at start and adds its VIP', async () => {
    const { inst, netlink } = owner();
    inst.start();
    assert.equal(inst.state, 'MASTER');
    await until(() => netlink.addresses.has('198.51.100.200'), 'the VIP is added');
    await inst.stop();
    assert.equal(netlink.addresses.size, 0);
  });

  it('a VIP whose removal failed is removed again on stop, not left behind', async () => {
    const { inst, netlink, transports } = owner();
    inst.start();
    await until(() => netlink.addresses.has('198.51.100.200'), 'the VIP is added');
    netlink.failDeletes = 1;
    await inst.stop();
    assert.equal(inst.state, 'INIT');
    assert.deepEqual([...netlink.addresses], [], 'no VIP is left after stop');
    assert.equal(transports.released, 1);
  });

  it('a Backup whose VIP removal failed tries again until the VIP is gone', async () => {
    const { inst, netlink } = owner();
    inst.start();
    await until(() => netlink.addresses.has('198.51.100.200'), 'the VIP is added');
    netlink.failDeletes = 1;
    inst.force('BACKUP', 'test');
    assert.equal(inst.state, 'BACKUP');
    const t0 = performance.now();
    for (let i = 0; i < 300 && netlink.addresses.size > 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual([...netlink.addresses], [], 'the retry removed the VIP');
    assert.ok(performance.now() - t0 < 2500);
    assert.equal(inst.state, 'BACKUP', 'still Backup (Master_Down_Interval is 3 s)');
    await inst.stop();
  });

  it('its own interface down is Fault with the reason; up again, the election runs', async () => {
    const { inst, netlink, reflector } = owner();
    reflector.eth = { ...eth0, up: false, running: false };
    inst.start();
    assert.equal(inst.state, 'FAULT');
    assert.equal(inst.status()['fault'], 'interface eth0 down');
    reflector.eth = { ...eth0 };
    reflector.emit('link', reflector.eth, undefined);
    assert.equal(inst.state, 'MASTER');
    assert.equal(inst.status()['fault'], undefined);
    await until(() => netlink.addresses.has('198.51.100.200'), 'the VIP is added');
    reflector.eth = { ...eth0, up: false, running: false };
    reflector.emit('link', reflector.eth, undefined);
    assert.equal(inst.state, 'FAULT');
    await until(() => netlink.addresses.size === 0, 'the VIP is removed in Fault');
    await inst.stop();
  });

  it('garbage on the receive path is counted, never thrown, and changes nothing', async () => {
    const { inst, transports } = owner();
    inst.start();
    const sentBefore = transports.sent.length;
    for (const bytes of [new Uint8Array(0), new Uint8Array([0x45]), new Uint8Array(40).fill(0xff), new Uint8Array(20)]) {
      assert.doesNotThrow(() => transports.receiver!.onPacket({ family: 4, bytes, src: '198.51.100.12' }));
    }
    assert.equal(inst.state, 'MASTER');
    assert.equal(transports.sent.length, sentBefore, 'no answer to garbage');
    const drops = Object.values(inst.counters.drops).reduce((a, b) => a + b, 0);
    assert.equal(drops, 4);
    await inst.stop();
  });
});

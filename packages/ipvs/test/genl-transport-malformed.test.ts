// GenlTransport against malformed answers, without a kernel: the `netlink` package's
// real NetlinkSocket and GenericNetlinkSocket over a stand-in raw socket. Both cases
// were uncaught exceptions thrown from the socket callback (found by the netlink fuzzer,
// test/soak/fuzz-netlink.mjs), which would have ended the daemon's process.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { GenlTransport, type GenlFamilyInfo } from '../src/genl-transport.js';
import { IpvsProtocolError } from '../src/errors.js';

const require = createRequire(import.meta.url);
const { NetlinkSocket } = require('netlink/dist/netlink.js') as { NetlinkSocket: new (raw: unknown) => unknown };
const { GenericNetlinkSocket } = require('netlink/dist/genl/genl.js') as { GenericNetlinkSocket: new (nl: unknown) => unknown };
const FAMILY: GenlFamilyInfo = { name: 'IPVS', id: 0x21, version: 1, operations: 17 };

function nlmsg(type: number, flags: number, seq: number, payload: Buffer): Buffer {
  const b = Buffer.alloc((16 + payload.length + 3) & ~3);
  b.writeUInt32LE(16 + payload.length, 0);
  b.writeUInt16LE(type, 4);
  b.writeUInt16LE(flags, 6);
  b.writeUInt32LE(seq, 8);
  payload.copy(b, 16);
  return b;
}

/** A raw netlink socket with no kernel: `answer` maps each sent datagram to what comes back. */
class StandIn extends EventEmitter {
  constructor(private readonly answer: (sent: Buffer) => Buffer[]) {
    super();
  }
  send(data: Buffer | Buffer[], _o: unknown, cb?: (err: Error | null) => void): void {
    const sent = Buffer.concat([data].flat());
    setImmediate(() => {
      cb?.(null);
      for (const d of this.answer(sent)) this.emit('message', d, { port: 0 });
    });
  }
  address(): { port: number } {
    return { port: 4242 };
  }
  ref(): void {}
  unref(): void {}
  close(): void {}
}

function transportOver(raw: StandIn): GenlTransport {
  const Ctor = GenlTransport as unknown as new (sock: unknown, family: GenlFamilyInfo, timeoutMs: number) => GenlTransport;
  return new Ctor(new GenericNetlinkSocket(new NetlinkSocket(raw)), FAMILY, 200);
}

describe('GenlTransport with malformed answers', () => {
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown): void => void uncaught.push(err);
  beforeEach(() => {
    uncaught.length = 0;
    process.on('uncaughtException', onUncaught);
  });
  afterEach(() => {
    process.off('uncaughtException', onUncaught);
  });

  it('a batch whose acknowledgement is cut short rejects with IpvsProtocolError; nothing is thrown from the socket', async () => {
    // The ERROR message for the batch's last (ACK-flagged) command: 2 octets instead of 20.
    const t = transportOver(new StandIn((sent) => [nlmsg(2, 0, sent.readUInt32LE(8), Buffer.alloc(2))]));
    await assert.rejects(t.batch([{ cmd: 1, attrs: Buffer.alloc(0) }]), (err: unknown) => err instanceof IpvsProtocolError && /truncated netlink ERROR/.test(err.message));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(uncaught, []);
    t.close();
  });

  it('an unsolicited message with a generic-netlink header under 4 octets is ignored', async () => {
    // First a stray message of the family (another sequence number, 2-octet header), then the real answer.
    const t = transportOver(
      new StandIn((sent) => {
        const seq = sent.readUInt32LE(8);
        return [nlmsg(FAMILY.id, 0, seq + 7, Buffer.from([15, 1])), Buffer.concat([nlmsg(FAMILY.id, 0, seq, Buffer.from([15, 1, 0, 0])), nlmsg(2, 0, seq, Buffer.alloc(20))])];
      }),
    );
    const r = await t.request(15, Buffer.alloc(0));
    assert.equal(r.errno, 0);
    assert.equal(r.replies[0]?.cmd, 15);
    await new Promise((res) => setImmediate(res));
    assert.deepEqual(uncaught, []);
    t.close();
  });
});

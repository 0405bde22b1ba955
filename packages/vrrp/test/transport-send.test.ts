import assert from 'node:assert/strict';
import { it } from 'node:test';
import { InterfaceTransport } from '../src/transport.js';

/** An IPv4 transport around a stand-in for @hacore/native's RawSocket (no socket, no root). */
function withFakeSocket(queued: number, full = false): { t: InterfaceTransport; order: string[]; writable: () => void } {
  const order: string[] = [];
  let room = !full;
  const fake = {
    isClosed: false,
    polling: true,
    events: 1,
    sendTo: (b: Buffer) => {
      if (!room) throw Object.assign(new Error('Resource temporarily unavailable'), { code: 'EAGAIN' });
      order.push(`sent ${b.length}`);
      return b.length;
    },
    setPollEvents: (ev: number) => void (fake.events = ev),
  };
  const queue = Array.from({ length: queued }, () => ({ buf: Buffer.alloc(20), dst: '224.0.0.18', resolve: () => order.push('older resolved'), reject: () => {} }));
  const t = Object.create(InterfaceTransport.prototype) as InterfaceTransport;
  Object.assign(t, { raw4: fake, queue4: queue, closed: false, counters: { received: 0, sent: 0, sendErrors: 0, drops: {} } });
  const writable = (): void => {
    room = true;
    (t as unknown as { onPoll4(s: unknown, status: number, events: number): void }).onPoll4(fake, 0, 2);
  };
  return { t, order, writable };
}

it('an IPv4 advert leaves at once when nothing is queued', async () => {
  const { t, order } = withFakeSocket(0);
  assert.equal(await t.send4(new Uint8Array(40), '224.0.0.18'), 40);
  assert.deepEqual(order, ['sent 40']);
});

it('an IPv4 advert queues behind waiting ones rather than overtaking them', async () => {
  const { t, order, writable } = withFakeSocket(1);
  const p = t.send4(new Uint8Array(40), '224.0.0.18');
  assert.deepEqual(order, [], 'nothing leaves before the socket is writable');
  writable();
  assert.equal(await p, 40);
  assert.deepEqual(order, ['sent 20', 'older resolved', 'sent 40']);
});

it('a full send buffer (EAGAIN) queues the advert until the socket is writable', async () => {
  const { t, order, writable } = withFakeSocket(0, true);
  const p = t.send4(new Uint8Array(40), '224.0.0.18');
  assert.deepEqual(order, []);
  writable();
  assert.equal(await p, 40);
  assert.deepEqual(order, ['sent 40']);
});

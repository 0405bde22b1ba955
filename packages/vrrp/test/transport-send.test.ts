import assert from 'node:assert/strict';
import { it } from 'node:test';
import { InterfaceTransport } from '../src/transport.js';

/** An IPv4 transport around a stand-in for raw-socket (no socket, no root). */
function withFakeSocket(queued: number): { t: InterfaceTransport; order: string[] } {
  const order: string[] = [];
  const requests: unknown[] = Array.from({ length: queued }, () => ({}));
  const fake = {
    requests,
    wrap: { send: (_b: Buffer, _o: number, len: number, _a: string, done: (n: number) => void) => (order.push('now'), done(len)) },
    send: (_b: Buffer, _o: number, len: number, _a: string, after: (e: Error | null, n: number) => void) => {
      order.push('queued');
      requests.push({});
      setImmediate(() => after(null, len));
    },
  };
  const t = Object.create(InterfaceTransport.prototype) as InterfaceTransport;
  Object.assign(t, { raw4: fake, closed: false, counters: { received: 0, sent: 0, sendErrors: 0, drops: {} } });
  return { t, order };
}

it('an IPv4 advert leaves at once when nothing is queued', async () => {
  const { t, order } = withFakeSocket(0);
  assert.equal(await t.send4(new Uint8Array(40), '224.0.0.18'), 40);
  assert.deepEqual(order, ['now']);
});

it('an IPv4 advert queues behind waiting ones rather than overtaking them', async () => {
  const { t, order } = withFakeSocket(1);
  assert.equal(await t.send4(new Uint8Array(40), '224.0.0.18'), 40);
  assert.deepEqual(order, ['queued']);
});

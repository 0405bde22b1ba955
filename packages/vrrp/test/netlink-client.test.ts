import assert from 'node:assert/strict';
import { it } from 'node:test';
import { NetlinkClient, NetlinkError } from '../src/netlink.js';

it('a netlink request whose ack never comes fails after the timeout instead of waiting forever', async () => {
  const client = new NetlinkClient({ timeoutMs: 100 });
  try {
    // Swallow what would go to the kernel: no ack will ever arrive.
    (client.socket.socket as unknown as { socket: { send: (...a: unknown[]) => void } }).socket.send = () => {};
    const t0 = performance.now();
    await assert.rejects(
      client.deleteAddress(1, { address: '198.51.100.200', prefix: 24, family: 4, scope: 'global' } as Parameters<NetlinkClient['deleteAddress']>[1]),
      (err: unknown) => err instanceof NetlinkError && /Timeout/.test(err.message),
    );
    assert.ok(performance.now() - t0 < 2000);
  } finally {
    client.close();
  }
});

// The netlink fuzzer (docs/reliability.md): IPVS generic-netlink replies and rtnetlink
// link and address messages come from the kernel, not the network, and this kernel has
// no IPVS, so these are fuzzed in process, one step short of the kernel: hacore's own
// clients are built on the `netlink` package's real NetlinkSocket, whose raw socket is a
// stand-in that answers each request with mutated and random datagrams (and, for the
// rtnetlink mirror, sends mutated notifications). Everything from the socket's
// 'message' callback up is the production code: the package's datagram and multipart
// parsing, GenlTransport, IpvsClient and its decoders; NetlinkReflector and its mirror.
//
// Asserted: an IpvsClient call resolves with well-formed values (addresses that are IP
// addresses of their family) or rejects with a typed error (IpvsError, IpvsProtocolError);
// the reflector never throws out of its callback, and its mirror holds only well-formed
// links and addresses. No uncaught exception, no unhandled rejection.
import { fuzzIpvs } from './fuzz-netlink-ipvs.mjs';
import { fuzzRtnetlink } from './fuzz-netlink-rt.mjs';

/**
 * @param {{messages: number, seed: number, log?: (s: string) => void}} opts
 */
export async function runNetlinkFuzz({ messages, seed, log = (s) => process.stdout.write(`${s}\n`) }) {
  const breaches = [];
  const uncaught = [];
  const onUncaught = (err) => uncaught.push(String(err?.stack ?? err));
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
  const record = (o, k) => (o[k] = (o[k] ?? 0) + 1);
  const decoders = [];
  try {
    for (const [name, run] of [['ipvs-genetlink-replies', fuzzIpvs], ['rtnetlink-link-address', fuzzRtnetlink]]) {
      const t0 = Date.now();
      const tally = await run({ messages, seed, record });
      const res = { decoder: name, sent: tally.messages, seconds: Math.round((Date.now() - t0) / 100) / 10, ...tally };
      for (const [k, n] of Object.entries(tally.untyped)) breaches.push(`${name}: ${n} x not a typed error: ${k}`);
      for (const [k, n] of Object.entries(tally.badValues ?? {})) breaches.push(`${name}: ${n} x decoded a malformed value: ${k}`);
      for (const [k, n] of Object.entries(tally.badMirror ?? {})) breaches.push(`${name}: ${n} x the mirror holds a malformed entry: ${k}`);
      if (tally.listenerErrors) breaches.push(`${name}: ${tally.listenerErrors} listener errors`);
      log(`fuzz: ${JSON.stringify(res)}`);
      decoders.push(res);
    }
    await new Promise((r) => setTimeout(r, 100));
  } finally {
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUncaught);
  }
  for (const u of uncaught.slice(0, 5)) breaches.push(`netlink: uncaught: ${u}`);
  return { seed, messages, decoders, breaches };
}

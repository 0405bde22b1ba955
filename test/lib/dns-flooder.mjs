// Sends forged DNS answers from its own address (source port 53), with the right
// id and question but NXDOMAIN, to the client that dns-middlebox.mjs names on
// UDP 5999: a response flood from another source. 2,000 datagrams per notice,
// then it prints "flooded N". argv: listen. Prints "ready" when bound.
import dgram from 'node:dgram';

const [listen] = process.argv.slice(2);
const ctl = dgram.createSocket('udp4');
const out = dgram.createSocket('udp4');
ctl.on('message', async (m) => {
  const { address, port, query } = JSON.parse(m.toString());
  const forged = Buffer.from(query, 'base64');
  forged.writeUInt16BE(0x8183 | (forged.readUInt16BE(2) & 0x0100), 2); // QR, RD copied, RA, NXDOMAIN
  let n = 0;
  for (let i = 0; i < 2000; i++) {
    await new Promise((r) => out.send(forged, port, address, r));
    n++;
  }
  console.log(`flooded ${n}`);
});
out.bind(53, listen, () => ctl.bind(5999, listen, () => console.log('ready')));

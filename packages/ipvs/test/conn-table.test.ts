import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatConnections, parseConnections } from '../src/conn-table.js';

// What the kernel prints (ip_vs_conn_seq_show): "%-3s %08X %04X %08X %04X %08X %04X %-11s %7u%s".
const PROC = [
  'Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData',
  'TCP CB00710A 9C40 CB007164 1B58 C6336415 1B58 ESTABLISHED     899',
  'UDP CB00710A D431 CB007164 0035 C6336416 0035 NONE            299',
  'TCP 2001:0db8:0000:0000:0000:0000:0000:000a 9C41 2001:0db8:0000:0000:0000:0000:0000:0064 01BB 2001:0db8:0000:0000:0000:0000:0000:0015 01BB SYN_RECV         59',
  'UDP CB00710A 13C4 CB007164 13C4 C6336415 13C4 NONE            179 sip 3f2a@example',
  '',
].join('\n');

describe('the connection table', () => {
  it('parses /proc/net/ip_vs_conn: hex IPv4, full IPv6, hex ports, persistence engine', () => {
    const c = parseConnections(PROC);
    assert.equal(c.length, 4);
    assert.deepEqual(c[0], {
      protocol: 'TCP',
      client: { address: '203.0.113.10', port: 40000, family: 4 },
      virtual: { address: '203.0.113.100', port: 7000, family: 4 },
      destination: { address: '198.51.100.21', port: 7000, family: 4 },
      state: 'ESTABLISHED',
      expires: 899,
    });
    assert.deepEqual(c[2]!.client, { address: '2001:db8::a', port: 40001, family: 6 });
    assert.equal(c[3]!.peName, 'sip');
    assert.equal(c[3]!.peData, '3f2a@example');
  });

  it('prints what ipvsadm -Lnc prints (columns as its printf widths)', () => {
    const text = formatConnections(parseConnections(PROC));
    assert.equal(
      text,
      [
        'IPVS connection entries',
        'pro expire state       source             virtual            destination',
        'TCP 14:59  ESTABLISHED 203.0.113.10:40000 203.0.113.100:7000 198.51.100.21:7000',
        'UDP 04:59  NONE        203.0.113.10:54321 203.0.113.100:53   198.51.100.22:53',
        'TCP 00:59  SYN_RECV    [2001:db8::a]:40001 [2001:db8::64]:443 [2001:db8::15]:443',
        'UDP 02:59  NONE        203.0.113.10:5060  203.0.113.100:5060 198.51.100.21:5060',
        '',
      ].join('\n'),
    );
    const pe = formatConnections(parseConnections(PROC), { persistent: true }).split('\n');
    assert.equal(pe[1], 'pro expire state       source             virtual            destination        pe name          pe_data');
    assert.equal(pe[5], 'UDP 02:59  NONE        203.0.113.10:5060  203.0.113.100:5060 198.51.100.21:5060 sip                3f2a@example');
  });
});

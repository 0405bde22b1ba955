// The generic-netlink transport on any Linux kernel, against the netlink
// controller ("nlctrl", always present): batching several commands per
// datagram, per-command errors by sequence number, the exclusive turn, and
// the typed error when a family (IPVS on a kernel without it) is missing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AttrWriter, Attrs } from '../src/genl-attrs.js';
import { GenlTransport } from '../src/genl-transport.js';
import { IpvsClient } from '../src/netlink-client.js';

const CTRL_CMD_GETFAMILY = 3;
const CTRL_ATTR_FAMILY_ID = 1;
const CTRL_ATTR_FAMILY_NAME = 2;
const getFamily = (name: string) => ({ cmd: CTRL_CMD_GETFAMILY, attrs: new AttrWriter().string(CTRL_ATTR_FAMILY_NAME, name).toBuffer() });

describe('GenlTransport over the netlink controller', () => {
  let t: GenlTransport;
  before(async () => {
    t = await GenlTransport.open('nlctrl');
  });
  after(() => t.close());

  it('resolves a family by name', () => {
    assert.equal(t.family.name, 'nlctrl');
    assert.equal(t.family.id, 16); // GENL_ID_CTRL
    assert.ok(t.family.operations >= 1);
  });

  it('a request returns the reply; a refused one its errno', async () => {
    const ok = await t.request(CTRL_CMD_GETFAMILY, getFamily('nlctrl').attrs);
    assert.equal(ok.errno, 0);
    assert.equal(Attrs.parse(ok.replies[0]!.payload).u16(CTRL_ATTR_FAMILY_ID), 16);
    const missing = await t.request(CTRL_CMD_GETFAMILY, getFamily('nosuch').attrs);
    assert.equal(missing.errno, 2); // ENOENT
  });

  it('a dump returns every family', async () => {
    const { errno, replies } = await t.dump(CTRL_CMD_GETFAMILY, Buffer.alloc(0));
    assert.equal(errno, 0);
    const names = replies.map((r) => Attrs.parse(r.payload).string(CTRL_ATTR_FAMILY_NAME));
    assert.ok(names.includes('nlctrl'), names.join(','));
  });

  it('a batch across many datagrams reports each command, in order', async () => {
    const reqs = [];
    for (let i = 0; i < 700; i++) reqs.push(getFamily(i % 7 === 3 ? 'nlctrl' : `nosuch-${i}`));
    const errnos = await t.batch(reqs);
    assert.equal(errnos.length, 700);
    errnos.forEach((e, i) => assert.equal(e, i % 7 === 3 ? 0 : 2, `command ${i}`));
    // an invalid command (a name over GENL_NAMSIZ) gets the kernel's own errno, EINVAL
    assert.deepEqual(await t.batch([getFamily('nlctrl'), getFamily('a-name-of-17-char'), getFamily('nlctrl')]), [0, 22, 0]);
    // the very last command succeeding or failing both end a datagram correctly
    assert.deepEqual(await t.batch([getFamily('nosuch')]), [2]);
    assert.deepEqual(await t.batch([getFamily('nlctrl')]), [0]);
    assert.deepEqual(await t.batch([]), []);
  });

  it('calls in one exclusive turn never overlap', async () => {
    const order: string[] = [];
    await Promise.all(
      ['a', 'b', 'c'].map((name) =>
        t.exclusive(async () => {
          order.push(`${name}<`);
          await t.dump(CTRL_CMD_GETFAMILY, Buffer.alloc(0));
          order.push(`>${name}`);
        }),
      ),
    );
    assert.deepEqual(order, ['a<', '>a', 'b<', '>b', 'c<', '>c']);
  });

  it('a closed transport refuses with HACORE_ERR_IPVS_PROTOCOL', async () => {
    const u = await GenlTransport.open('nlctrl');
    u.close();
    await assert.rejects(u.request(CTRL_CMD_GETFAMILY, Buffer.alloc(0)), { code: 'HACORE_ERR_IPVS_PROTOCOL' });
  });
});

describe('IpvsClient.open', () => {
  it('without the family: IpvsUnavailableError, or a working client where the kernel has IPVS', async () => {
    try {
      const c = await IpvsClient.open();
      // A kernel with IPVS (not this project's machines): the client works.
      assert.match((await c.getInfo()).version, /^\d+\.\d+\.\d+$/);
      c.close();
    } catch (err) {
      assert.equal((err as { code?: string }).code, 'HACORE_ERR_IPVS_UNAVAILABLE');
      assert.match((err as Error).message, /no generic netlink family "IPVS"/);
    }
  });
});

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const native = fileURLToPath(new URL('../src/index.js', import.meta.url));

/** Runs `body` in a fresh node process with the addon as `n`: a native abort must not take the test runner down. */
function inChild(body: string): { status: number | null; signal: string | null; stdout: string; stderr: string } {
  const script = `import { addon, LINUX } from ${JSON.stringify(native)};\nconst n = addon();\n${body}`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 10_000 });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

describe('@hacore/native addon: poll handles', () => {
  it('a second unpoll of one handle is refused with an error, not a crash', () => {
    const r = inChild(`
      const fd = n.socket(LINUX.AF_INET6, 2 /* SOCK_DGRAM */, 0);
      const h = n.poll(fd, 1, () => {});
      n.unpoll(h);
      let code = 'none';
      try { n.unpoll(h); } catch (err) { code = err.code; }
      // and once the close callback has run
      await new Promise((r) => setImmediate(r));
      try { n.unpoll(h); } catch (err) { code += ',' + err.code; }
      n.close(fd);
      console.log(code);
    `);
    assert.equal(r.signal, null, `the process died: ${r.stderr}`);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'ERR_INVALID_STATE,ERR_INVALID_STATE');
  });

  it('poll on a bad fd throws an errno error', () => {
    const r = inChild(`
      try { n.poll(-1, 1, () => {}); console.log('no error'); } catch (err) { console.log(err.code); }
    `);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout.trim(), /^E[A-Z]+$/);
  });
});

describe('@hacore/native addon: calls', () => {
  it('errors carry the errno name as code', () => {
    const r = inChild(`
      try { n.close(-1); } catch (err) { console.log(err.code); }
      try { n.sendTo(-1, Buffer.alloc(1), '198.51.100.1'); } catch (err) { console.log(err.code); }
      try { n.sendTo(0, Buffer.alloc(1), 'not an address'); } catch (err) { console.log(err.code); }
    `);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['EBADF', 'EBADF', 'ERR_INVALID_ARG_VALUE']);
  });

  it('a poll handle reports a writable socket, and its events can change', () => {
    const r = inChild(`
      const fd = n.socket(LINUX.AF_INET6, 2 /* SOCK_DGRAM */, 0);
      const seen = await new Promise((resolve) => { const h = n.poll(fd, 2, (status, events) => { n.unpoll(h); resolve([status, events]); }); });
      const h2 = n.poll(fd, 2, () => {});
      n.pollEvents(h2, 1);
      n.unpoll(h2);
      let code = 'none';
      try { n.pollEvents(h2, 1); } catch (err) { code = err.code; }
      n.close(fd);
      console.log(JSON.stringify(seen), code);
    `);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), '[0,2] ERR_INVALID_STATE');
  });

  it('addonPath names the file loaded: this workspace compiles build/Release', () => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', `import { addonPath } from ${JSON.stringify(native)}; console.log(addonPath());`], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout.trim(), /build\/Release\/hacore_native\.node$/);
  });
});

describe('@hacore/native addon: UDP sockets with the received TTL', () => {
  it('bind, sendTo a port, and recvFrom reports the sender port and the TTL / hop limit it was sent with', () => {
    const r = inChild(`
      const { RawSocket } = await import(${JSON.stringify(native)});
      const out = [];
      for (const [family, lo] of [[4, '127.0.0.1'], [6, '::1']]) {
        const tx = RawSocket.openUdp(family);
        tx.setUnicastHops(200);
        tx.bind(lo, 0);
        const rx2 = RawSocket.openUdp(family);
        rx2.receiveHopLimit(true);
        let port = 0;
        for (let p = 40000 + Math.floor(Math.random() * 10000); ; p++) { try { rx2.bind(lo, p); port = p; break; } catch (err) { if (err.code !== 'EADDRINUSE') throw err; } }
        tx.sendTo(Buffer.from('bfd'), lo, 0, port);
        const buf = Buffer.alloc(64);
        let got = null;
        for (let i = 0; i < 200 && !got; i++) { got = rx2.recvFrom(buf); if (!got) await new Promise((r) => setTimeout(r, 5)); }
        out.push([family, got.bytes, buf.subarray(0, got.bytes).toString(), got.hopLimit, got.srcPort > 0, got.src]);
        for (const s of [tx, rx2]) s.close();
      }
      let code = 'none';
      try { n.bind(-1, '127.0.0.1', 1); } catch (err) { code = err.code; }
      out.push(code);
      try { n.bind(0, 'nope', 1); } catch (err) { out.push(err.code); }
      console.log(JSON.stringify(out));
    `);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout.trim()), [[4, 3, 'bfd', 200, true, '127.0.0.1'], [6, 3, 'bfd', 200, true, '::1'], 'EBADF', 'ERR_INVALID_ARG_VALUE']);
  });
});

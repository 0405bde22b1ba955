import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const linkNative = fileURLToPath(new URL('../src/link-native.js', import.meta.url));

/** Runs `body` in a fresh node process with the addon as `n`: a native abort must not take the test runner down. */
function inChild(body: string): { status: number | null; signal: string | null; stdout: string; stderr: string } {
  const script = `import { nativeBinding, LINUX } from ${JSON.stringify(linkNative)};\nconst n = nativeBinding();\n${body}`;
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

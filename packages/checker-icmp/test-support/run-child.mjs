// Starts icmp-child.mjs inside a lab namespace with one JSON job and resolves
// its JSON answer. Used by test/checkers/icmp*.test.mjs and bench/checks-icmp.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CHILD = fileURLToPath(new URL('icmp-child.mjs', import.meta.url));
export const RESPONDER = fileURLToPath(new URL('echo-responder.mjs', import.meta.url));
export const PLUGIN = fileURLToPath(new URL('../dist/src/index.js', import.meta.url));

/**
 * @param {string} ns the network namespace
 * @param {object} job the job (see icmp-child.mjs)
 * @param {{ wrap?: string[], timeoutMs?: number, script?: string, args?: string[] }} [opts]
 */
export function runInNamespace(ns, job, { wrap = [], timeoutMs = 60_000, script = CHILD, args = [] } = {}) {
  return new Promise((resolve, reject) => {
    const p = spawn('ip', ['netns', 'exec', ns, ...wrap, process.execPath, ...args, script], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('error', reject);
    p.on('exit', (code, signal) => {
      clearTimeout(t);
      const line = stdout.trim().split('\n').at(-1);
      if (code !== 0 || !line) return reject(new Error(`child failed (${code ?? signal}): ${stderr}${stdout}`));
      try {
        resolve(JSON.parse(line));
      } catch (err) {
        reject(new Error(`child printed no JSON: ${stdout}${stderr}`, { cause: err }));
      }
    });
    p.stdin.end(JSON.stringify(job));
  });
}

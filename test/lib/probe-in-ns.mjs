// Starts probe-child.mjs in a lab namespace with one JSON job; resolves its JSON answer.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('probe-child.mjs', import.meta.url));

export function probeInNamespace(ns, job, { timeoutMs = 60_000 } = {}) {
  return new Promise((resolve, reject) => {
    const p = spawn('ip', ['netns', 'exec', ns, process.execPath, CHILD], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('error', reject);
    p.on('exit', (code, signal) => {
      clearTimeout(t);
      const line = stdout.trim().split('\n').at(-1);
      if (code !== 0 || !line) return reject(new Error(`probe child failed (${code ?? signal}): ${stderr}${stdout}`));
      try {
        resolve(JSON.parse(line));
      } catch (err) {
        reject(new Error(`probe child printed no JSON: ${stdout}${stderr}`, { cause: err }));
      }
    });
    p.stdin.end(JSON.stringify(job));
  });
}

// Helpers for tests that run inside the VM: the real ipvsadm, for setting up a
// table and for reading back what the kernel holds.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

/** True inside the test VM (its /init exports HACORE_VM=1). */
export const IN_VM = process.env.HACORE_VM === '1';

/** Runs ipvsadm with args; resolves with stdout, rejects with stderr in the message. */
export async function ipvsadm(...args) {
  try {
    const { stdout } = await execFileP('ipvsadm', args, { maxBuffer: 64 << 20 });
    return stdout;
  } catch (err) {
    throw new Error(`ipvsadm ${args.join(' ')} failed: ${err.stderr || err.message}`);
  }
}

/** Feeds a rule set to `ipvsadm -R` on stdin. */
export async function ipvsadmRestore(rules) {
  await new Promise((resolve, reject) => {
    const p = execFile('ipvsadm', ['-R'], { maxBuffer: 64 << 20 }, (err, _out, stderr) =>
      err ? reject(new Error(`ipvsadm -R failed: ${stderr || err.message}`)) : resolve());
    p.stdin.end(rules);
  });
}

/** Empties the kernel table (services, destinations) and zeroes nothing else. */
export async function flush() {
  await ipvsadm('-C');
}

/**
 * Parses `ipvsadm -Ln` into services with their destinations, keeping the text
 * of each line so that tests can compare both structure and form.
 */
export function parseList(text) {
  const services = [];
  for (const line of text.split('\n')) {
    if (/^(TCP|UDP|SCTP|FWM)\s/.test(line)) {
      const [proto, addr, sched, ...flags] = line.trim().split(/\s+/);
      services.push({ proto, addr, sched, flags: flags.join(' '), line, dests: [] });
    } else if (/^\s+->\s+\S/.test(line) && !/RemoteAddress/.test(line)) {
      const [, addr, fwd, weight, active, inactive] = line.trim().split(/\s+/);
      const svc = services.at(-1);
      if (svc) svc.dests.push({ addr, fwd, weight: Number(weight), active: Number(active), inactive: Number(inactive), line });
    }
  }
  return services;
}

/** `ipvsadm -Ln` parsed. */
export async function list() {
  return parseList(await ipvsadm('-Ln'));
}

// Boots the test VM once under QEMU (TCG: the /dev/kvm of these machines cannot
// run a stock kernel), runs one shell script inside, streams its output and
// returns its exit code.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from './image.mjs';

function shQuote(s) {
  return `'${String(s).replace(/'/g, `'\\''`)}'`;
}

/** A value inside a QEMU option list: commas are doubled. */
function qemuOpt(value) {
  return String(value).replace(/,/g, ',,');
}

function tail(file, lines) {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
}

/**
 * @param {object} o
 * @param {string} o.vmlinux
 * @param {string} o.initramfs
 * @param {string} o.project  directory shared in at the same path
 * @param {string} o.script   bash script run inside, in the project directory
 * @param {Record<string,string>} [o.env] exported inside before the script runs
 * @param {number} [o.timeoutMs]
 * @param {NodeJS.WritableStream} [o.output]
 * @returns {Promise<{ code: number, seconds: number, timedOut: boolean }>}
 */
export async function bootAndRun(o) {
  const runs = join(cacheDir(), 'runs');
  mkdirSync(runs, { recursive: true });
  const run = mkdtempSync(join(runs, 'run-'));
  const env = { HACORE_PROJECT: o.project, ...o.env };
  writeFileSync(join(run, 'env'), Object.entries(env).map(([k, v]) => `export ${k}=${shQuote(v)}\n`).join(''));
  writeFileSync(join(run, 'cmd.sh'), o.script);
  const consoleLog = join(run, 'console.log');

  const cpus = process.env.HACORE_VM_CPUS || '2';
  const mem = process.env.HACORE_VM_MEM || '2048';
  const args = [
    // TCG by default: the /dev/kvm of these machines cannot run a stock
    // kernel. HACORE_VM_ACCEL=kvm where it is real hardware KVM.
    '-machine', `pc,accel=${process.env.HACORE_VM_ACCEL || 'tcg'}`, '-cpu', process.env.HACORE_VM_ACCEL === 'kvm' ? 'host' : 'max', '-smp', cpus, '-m', mem,
    '-nodefaults', '-nic', 'none', '-display', 'none', '-no-reboot',
    '-bios', '/usr/share/qemu/qboot.rom',
    '-kernel', o.vmlinux, '-initrd', o.initramfs,
    '-append', `console=ttyS0 ${process.env.HACORE_VM_DEBUG ? 'hacore.debug ' : 'quiet '}panic=-1 tsc=reliable`,
    '-serial', `file:${consoleLog}`,
    '-device', 'virtio-serial-pci',
    '-chardev', 'stdio,id=hout,signal=off',
    '-device', 'virtserialport,chardev=hout,name=hacore.out',
    '-virtfs', `local,path=${qemuOpt(o.project)},mount_tag=hacoreproj,security_model=none,multidevs=remap`,
    '-virtfs', `local,path=${qemuOpt(run)},mount_tag=hacorerun,security_model=none,multidevs=remap`,
  ];
  const t0 = Date.now();
  // coreutils' timeout as a second deadline: it still kills QEMU if this
  // process dies first (a CI runner killing the job), so a hung VM never
  // outlives its run. stdin stays an open pipe: QEMU's stdio chardev treats
  // EOF on stdin as the host side closing the port, and guest writes block.
  const limitS = Math.ceil((o.timeoutMs ?? 600_000) / 1000) + 30;
  const qemu = spawn('timeout', ['--signal=KILL', String(limitS), 'qemu-system-x86_64', ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true, // its own process group: killVm ends timeout and QEMU together
  });
  const killVm = () => {
    try {
      process.kill(-qemu.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  const output = o.output ?? process.stdout;
  qemu.stdout.pipe(output, { end: false });
  // Nobody reads our output any more (`| head`): stop the VM rather than
  // leave it blocked on a full pipe.
  output.on('error', () => killVm());
  let qemuErr = '';
  qemu.stderr.on('data', (d) => (qemuErr += d));

  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killVm();
  }, o.timeoutMs ?? 600_000);
  const onSignal = (sig) => {
    killVm();
    process.exitCode = 130;
    process.stderr.write(`[vm] ${sig}: VM stopped\n`);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const qemuExit = await new Promise((resolve, reject) => {
    qemu.on('error', reject);
    qemu.on('close', (code, signal) => resolve(code ?? signal));
  });
  clearTimeout(timer);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  const seconds = (Date.now() - t0) / 1000;

  const rcFile = join(run, 'rc');
  let code;
  if (timedOut) {
    process.stderr.write(`[vm] timed out after ${seconds.toFixed(0)} s; VM killed\n`);
    code = 124;
  } else if (existsSync(rcFile)) {
    code = Number.parseInt(readFileSync(rcFile, 'utf8').trim(), 10);
    if (!Number.isInteger(code)) code = 1;
  } else {
    process.stderr.write(`[vm] the command did not finish (qemu exit: ${qemuExit})\n${qemuErr}`);
    code = 1;
  }
  if (code !== 0 || timedOut) {
    const t = tail(consoleLog, 40);
    if (t.trim()) process.stderr.write(`[vm] last lines of the VM console:\n${t}\n`);
  }
  if (!process.env.HACORE_VM_KEEP) rmSync(run, { recursive: true, force: true });
  else process.stderr.write(`[vm] run directory kept: ${run}\n`);
  return { code, seconds, timedOut };
}

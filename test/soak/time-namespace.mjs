// A time namespace for one router's daemon: CLOCK_MONOTONIC and CLOCK_BOOTTIME offset
// by a number of seconds (CLOCK_REALTIME cannot be offset: it is one clock for the whole
// machine, docs/reliability.md). It is held by a bind mount on a file in the run's temp
// dir, entered with nsenter (which execs: the daemon keeps the PID the soak started),
// and released by unmounting that exact file.
import { rm, writeFile } from 'node:fs/promises';
import { sh } from '../lib/lab.mjs';

export class TimeNamespace {
  /** @param {string} file where the namespace is bound @param {number} offsetS seconds added to both clocks */
  static async create(file, offsetS) {
    await writeFile(file, '');
    const o = String(offsetS);
    await sh('unshare', [`--time=${file}`, '--monotonic', o, '--boottime', o, 'true']);
    return new TimeNamespace(file, offsetS);
  }

  constructor(file, offsetS) {
    this.file = file;
    this.offsetS = offsetS;
    this.released = false;
  }

  /** The command prefix that runs a program inside the namespace. */
  get wrap() {
    return ['nsenter', `--time=${this.file}`];
  }

  async release() {
    if (this.released) return;
    this.released = true;
    await sh('umount', [this.file]);
    await rm(this.file, { force: true });
  }
}

/** Whether this machine can make time namespaces (Linux >= 5.6 with CONFIG_TIME_NS). */
export async function timeNamespacesMissing() {
  try {
    await sh('unshare', ['--time', '--fork', '--monotonic', '1', 'true']);
    return '';
  } catch (err) {
    return `time namespaces unavailable: ${err.message.split('\n')[0]}`;
  }
}

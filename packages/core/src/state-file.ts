import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { HacoreError } from './errors.js';

/**
 * A small JSON document a plugin keeps across restarts under `stateDir`
 * (drained real servers, yielded instances). Written atomically (a temporary
 * file renamed over the old one), so a crash leaves the old or the new one.
 */
export class StateFile<T> {
  readonly file: string;

  constructor(
    dir: string,
    name: string,
    private readonly parse: (raw: unknown) => T,
    private readonly empty: () => T,
  ) {
    this.file = path.join(dir, name);
  }

  /** The stored value; a missing file is `empty()`, a corrupt one too (with `problem` set, for a log line). */
  read(): { value: T; problem?: string } {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { value: this.empty() };
      return { value: this.empty(), problem: `${this.file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); starting from nothing` };
    }
    try {
      return { value: this.parse(JSON.parse(text)) };
    } catch (err) {
      return { value: this.empty(), problem: `${this.file}: not a state file hacore wrote (${(err as Error).message}); starting from nothing` };
    }
  }

  write(value: T): void {
    const dir = path.dirname(this.file);
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
      renameSync(tmp, this.file);
    } catch (err) {
      throw new HacoreError('HACORE_ERR_ACTION', `cannot write ${this.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message} (set stateDir to a directory hacore may write)`, { cause: err });
    }
  }
}

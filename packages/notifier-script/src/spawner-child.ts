/**
 * The script runner process: receives commands from the notifier over IPC,
 * runs them (run-command.ts) and sends the results back. Forking a process
 * blocks the forking event loop for milliseconds (tens under load); doing it
 * here keeps that away from the daemon, where probes, IPC relays and (in
 * single-process mode) VRRP adverts run.
 */
import { runCommand, type CommandSpec } from './run-command.js';

interface Request {
  id: number;
  spec: CommandSpec;
}

/**
 * Process groups of the scripts running now. A group leaves the set when its
 * script exits: what it left in the background is not ours to end
 * (docs/notifiers.md), and once that group empties its number can be reused
 * by an unrelated process.
 */
const groups = new Set<number>();

process.on('message', (msg: Request) => {
  let pid: number | undefined;
  void runCommand(msg.spec, (p) => groups.add((pid = p))).then((result) => {
    if (pid !== undefined) groups.delete(pid);
    process.send?.({ id: msg.id, result });
  });
});

// The daemon went away (stop, crash or kill -9): end every script still running, then leave.
process.on('disconnect', () => {
  for (const pid of groups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  process.exit(0);
});

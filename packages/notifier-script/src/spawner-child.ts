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

const groups = new Set<number>();

process.on('message', (msg: Request) => {
  void runCommand(msg.spec, (pid) => groups.add(pid)).then((result) => {
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

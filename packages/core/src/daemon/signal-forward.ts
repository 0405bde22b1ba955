/**
 * The supervisor's SIGTERM/SIGINT reaches its children from the signal handler
 * itself (@hacore/native's setSignalForward: kill(2) of each child, before
 * the supervisor's event loop wakes), so the VRRP child's own handler sends its
 * priority-0 adverts within a millisecond of the signal instead of after two
 * event-loop wake-ups and an IPC message. Loaded by name: @hacore/core installs
 * without the addon, and then the IPC `stop` message is the only path.
 */
type SetForward = (pids: number[]) => void;

let setForward: SetForward | null | undefined;
let loading: Promise<void> | undefined;

async function load(): Promise<void> {
  try {
    const spec: string = '@hacore/native';
    const native = (await import(spec)) as { setSignalForward?: SetForward };
    setForward = native.setSignalForward ?? null;
  } catch {
    setForward = null;
  }
}

/** Makes `pids` (the live children) the targets of the supervisor's SIGTERM/SIGINT. */
export function forwardSignalsTo(pids: number[]): void {
  const apply = (): void => {
    try {
      setForward?.(pids.filter((p) => p > 1).slice(0, 16));
    } catch {
      // no addon or no room: the IPC stop still stops the children
    }
  };
  if (setForward !== undefined) apply();
  else void (loading ??= load()).then(apply);
}

/**
 * A process that is starting (forked, not yet ready) is waited for, at most
 * `timeoutMs`, before a reload or an action is sent to it: an operator's reload
 * right after `hacore start` (or during a child's restart) is then carried out,
 * not refused because a child or check worker has not finished starting.
 */
export async function whileStarting(starting: Promise<void> | undefined, timeoutMs: number): Promise<void> {
  if (!starting) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([starting, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  clearTimeout(timer);
}

/**
 * Marks `slot` as starting until the returned function is called (on ready or
 * exit); a later start's mark is not cleared by an earlier one's call.
 */
export function markStarting(slot: { starting: Promise<void> | undefined }): () => void {
  let done!: () => void;
  const starting = new Promise<void>((resolve) => (done = resolve));
  slot.starting = starting;
  return () => {
    if (slot.starting === starting) slot.starting = undefined;
    done();
  };
}

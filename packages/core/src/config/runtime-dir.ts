import path from 'node:path';

/**
 * Where the control socket and the pid file go when the config names neither:
 * `$RUNTIME_DIRECTORY` (systemd's `RuntimeDirectory=`, the first if it lists
 * several), else /run/hacore as root, else `$XDG_RUNTIME_DIR/hacore` for
 * another user (so a checks-only daemon runs as a normal user with no extra
 * keys), else /run/hacore (creating it then fails with EACCES, and the error
 * names `controlSocket` / `--socket`).
 */
export function defaultRuntimeDir(env: NodeJS.ProcessEnv = process.env, uid: number | undefined = process.getuid?.()): string {
  const systemd = env.RUNTIME_DIRECTORY?.split(':')[0];
  if (systemd) return systemd;
  if (uid !== 0 && env.XDG_RUNTIME_DIR) return path.join(env.XDG_RUNTIME_DIR, 'hacore');
  return '/run/hacore';
}

export function defaultControlSocket(env?: NodeJS.ProcessEnv, uid?: number): string {
  return path.join(defaultRuntimeDir(env, uid), 'hacore.sock');
}

export function defaultPidFile(env?: NodeJS.ProcessEnv, uid?: number): string {
  return path.join(defaultRuntimeDir(env, uid), 'hacore.pid');
}

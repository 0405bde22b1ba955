/** One JSON line each way over the control socket. */
export type ControlRequest =
  | { cmd: 'status' }
  | { cmd: 'reload' }
  | { cmd: 'stop' }
  | { cmd: 'ping' }
  | { cmd: 'action'; action: string; args?: Record<string, string> };

export type ControlResponse = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string } };

export const MAX_REQUEST_BYTES = 64 * 1024;

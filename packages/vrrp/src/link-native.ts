/**
 * The VRRP package's view of @hacore/native (raw sockets with IPv6 ancillary
 * data, packet sockets for GARP/NA, SCHED_RR). `nativeBinding()` loads the
 * addon once and throws NativeUnavailableError when no prebuild fits and none
 * was compiled; the plugin calls it at start so that a missing addon is
 * reported before any instance runs.
 */
import { addon, ifnameBuffer, LINUX, NativeUnavailableError, type AddonBinding } from '@hacore/native';

export { ifnameBuffer, LINUX, NativeUnavailableError };
export type NativeBinding = AddonBinding;

export function nativeBinding(): NativeBinding {
  return addon();
}

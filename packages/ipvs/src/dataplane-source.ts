import { IpvsUnavailableError } from './errors.js';
import type { IpvsDataplane } from './types.js';

/** A data-plane backend, or a function that opens one at start. */
export type DataplaneSource = IpvsDataplane | (() => IpvsDataplane | Promise<IpvsDataplane>);

/** Opens the generic-netlink client, the default backend. */
export async function openNetlinkDataplane(): Promise<IpvsDataplane> {
  // Imported on demand so that a plugin given another backend (and its tests) never loads the netlink binding.
  const { openIpvsDataplane } = await import('./netlink-client.js');
  return openIpvsDataplane();
}

/** The backend to program and whether we opened it (and so close it); a failure says what is missing. */
export async function openDataplane(src: DataplaneSource | undefined): Promise<{ dp: IpvsDataplane; owned: boolean }> {
  try {
    if (src === undefined) return { dp: await openNetlinkDataplane(), owned: true };
    return { dp: typeof src === 'function' ? await src() : src, owned: false };
  } catch (err) {
    // The client's own errors already say what is missing.
    if (typeof (err as { code?: unknown })?.code === 'string' && (err as { code: string }).code.startsWith('HACORE_ERR_IPVS')) throw err;
    throw new IpvsUnavailableError(`ipvs: cannot open the data plane (does the kernel have IPVS, ip_vs loaded, and CAP_NET_ADMIN?): ${(err as Error)?.message ?? String(err)}`, { cause: err });
  }
}

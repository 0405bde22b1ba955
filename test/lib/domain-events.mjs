// A test plugin: declares the VRRP and IPVS event kinds (as those plugins do in
// apply()), for tests that emit such events from a core without loading them.
import { VRRP_EVENTS } from '../../packages/vrrp/dist/src/events.js';
import { IPVS_EVENTS } from '../../packages/ipvs/dist/src/events.js';

export default {
  name: 'test-domain-events',
  hacore: '^1.0.0',
  roles: ['main', 'check'],
  apply(core) {
    for (const d of [...VRRP_EVENTS, ...IPVS_EVENTS]) if (!core.events.get(d.kind)) core.declareEvent(d);
  },
};

// Type tests of the public plugin API: this file must compile (tsc -b fails the
// build otherwise), and each @ts-expect-error must stay an error.
import { test } from 'node:test';
import {
  defineCheckType,
  schema as s,
  type CheckResult,
  type Checker,
  type HacoreCore,
  type HacoreEvent,
  type HacorePlugin,
  type Infer,
  isEvent,
} from '../src/index.js';

// A plugin's own event kind, added to the typed map by declaration merging.
declare module '../src/index.js' {
  interface HacoreEventMap {
    'typed-ping': { peer: string; rttMs: number };
  }
}

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(): T | undefined {
  return undefined;
}

const section = s.object({
  mode: s.enumOf(['fast', 'safe'] as const),
  limit: s.optional(s.integer(), 10),
  note: s.optional(s.string()),
  wait: s.duration(),
});
type Section = Infer<typeof section>;
assertType<Equal<Section['mode'], 'fast' | 'safe'>>();
assertType<Equal<Section['limit'], number>>();
assertType<Equal<Section['wait'], number>>();
// @ts-expect-error optional without default may be absent
const noteIsString: string = ({} as Section).note;
void noteIsString;

const plugin: HacorePlugin = {
  name: 'typed',
  hacore: '^1.0.0',
  roles: ['check'],
  apply(core: HacoreCore) {
    defineCheckType(core, 'typed', 'typed', s.object({ address: s.ip(), depth: s.optional(s.integer(), 3) }), (spec) => {
      assertType<Equal<typeof spec.depth, number>>();
      assertType<Equal<typeof spec.target.address, string>>();
      const checker: Checker = { probe: async (): Promise<CheckResult> => ({ ok: spec.depth > 0, latencyMs: 0, reason: 'x' }) };
      return checker;
    });
    core.hooks.targetState.tap('typed', (target, change) => {
      assertType<Equal<typeof change.to, 'up' | 'down'>>();
      void target.check;
    });
    core.hooks.event.tap('typed', (e) => {
      if (isEvent(e, 'typed-ping')) {
        const rtt: number = e.rttMs;
        // @ts-expect-error rttMs is a number, narrowed by isEvent
        const wrong: string = e.rttMs;
        void rtt;
        void wrong;
      }
      const known = e as HacoreEvent;
      if (known.kind === 'typed-ping') assertType<Equal<typeof known.peer, string>>();
      // @ts-expect-error a target-state event has no rttMs
      if (known.kind === 'target-state') void known.rttMs;
    });
    core.declareEvent({ kind: 'typed-ping', description: 'a ping', replayKey: ['peer'] });
    void core.emit({ kind: 'typed-ping', peer: 'a', rttMs: 1 });
    // @ts-expect-error emitted events are checked against the event map
    void core.emit({ kind: 'target-state', check: 'x' });
    // @ts-expect-error a declared kind's fields are checked too
    void core.emit({ kind: 'typed-ping', peer: 'a' });
  },
};

test('the plugin API type tests compile', () => {
  void plugin;
});

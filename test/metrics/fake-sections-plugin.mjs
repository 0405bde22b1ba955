// A test plugin standing in for the VRRP and IPVS plugins' status sections,
// which are written in other packages: the test sets `globalThis.hacoreFakeSections`.
export default class FakeSectionsPlugin {
  name = 'test-fake-sections';
  hacore = '^1.0.0';
  roles = ['main'];
  apply(core) {
    core.hooks.status.tap(this.name, (doc) => ({ ...doc, ...(globalThis.hacoreFakeSections ?? {}) }));
  }
}

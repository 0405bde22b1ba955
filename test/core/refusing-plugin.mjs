// A test plugin that runs in the check child and in a role of its own (`aux`),
// and refuses a reload in `aux` only, when the new config says so.
export default {
  name: 'test-refuser',
  hacore: '^1.0.0',
  roles: ['check', 'aux'],
  apply(core) {
    core.registerSection('refuser', {
      expected: 'an object { refuseIn?: string }',
      optional: { default: undefined },
      parse: (v) => v,
      describe() {
        return this;
      },
    }, { roles: ['check', 'aux'] });
    let prepared = 0;
    let aborted = 0;
    core.hooks.prepareReload.tapPromise('test-refuser', async (diff) => {
      prepared++;
      if (diff.next.refuser?.refuseIn === core.role) throw Object.assign(new Error(`refused in ${core.role} by the test plugin`), { code: 'TEST_ERR_REFUSED' });
    });
    core.hooks.abortReload.tap('test-refuser', () => void aborted++);
    core.hooks.status.tap('test-refuser', (doc) => ({ ...doc, refuser: { prepared, aborted, mode: core.config.refuser?.mode ?? null } }));
  },
};

/** Errors of the plugin itself (config facts only known at start, missing addon). */
export class VrrpPluginError extends Error {
  readonly code: 'HACORE_VRRP_ERR_CONFIG' | 'HACORE_VRRP_ERR_NATIVE';
  constructor(code: VrrpPluginError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VrrpPluginError';
    this.code = code;
  }
}

/** The plugin's name: its tap name in every hook, in logs and errors. */
export const PLUGIN_NAME = '@hacore/vrrp';

export { webhooksSchema, endpointSchema, type WebhooksConfig, type EndpointConfig } from './config.js';
export { SCHEMA_ID, makeDocument, serialize, signature, retryableStatus, type WebhookDocument } from './document.js';
export { Endpoint, redactUrl, type EndpointStatus } from './endpoint.js';
export { NotifierWebhookPlugin, PLUGIN_NAME, type WebhooksStatus } from './plugin.js';
import { NotifierWebhookPlugin } from './plugin.js';
export default NotifierWebhookPlugin;

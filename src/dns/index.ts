/**
 * @module dns
 *
 * tskube's cluster DNS: the Kubernetes DNS-Based Service Discovery schema (1.1.0) served from
 * the API's Services and EndpointSlices, over UDP and TCP. See docs/dns.md.
 */
export * from './errors.js';
export * from './options.js';
export { DnsServer, type DnsServerOptions, type DnsAddresses } from './server.js';
export { podResolvConf, renderResolvConf, type ResolvConf, type ResolvConfInput } from './resolv-conf.js';
export { DNS_SCHEMA_VERSION, type PodMode } from './lookup.js';
export { reverseName } from './names.js';

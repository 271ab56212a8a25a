/**
 * @module dns/resolv-conf
 *
 * The /etc/resolv.conf a ClusterFirst pod gets. The logic lives in src/api/resolv-conf.ts because
 * the node agent writes it (components never import each other); re-exported here, where DNS
 * users look for it.
 */
export * from '../api/resolv-conf.js';

/**
 * @module apiserver/start
 *
 * Everything needed to run an API server on a data dir: certificates (created on first start,
 * reused after), the admin kubeconfig, and the server itself. `tskube apiserver` and `tskube up`
 * both start it this way.
 */
import { join } from 'node:path';
import type { KV } from '../storage/interface.js';
import { createLogger } from '../log.js';
import { ensurePki, writeKubeconfig, ADMIN_USER } from './pki/index.js';
import type { ServiceAllocationOptions } from '../registry/service/allocation.js';
import { ApiServer } from './server.js';

export interface StartApiServerOptions {
  readonly kv: KV;
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  /** Extra names and addresses clients may dial (load balancers, other interfaces). */
  readonly hosts?: readonly string[];
  readonly tokenFile?: string;
  /** `--service-cluster-ip-range` and `--service-node-port-range`. */
  readonly services?: ServiceAllocationOptions;
}

export interface RunningApiServer {
  readonly server: ApiServer;
  readonly url: string;
  readonly kubeconfigPath: string;
  close(): Promise<void>;
}

export async function startApiServer(options: StartApiServerOptions): Promise<RunningApiServer> {
  const log = createLogger('apiserver');
  const pki = await ensurePki({ dir: join(options.dataDir, 'pki'), hosts: [options.host, ...(options.hosts ?? [])].filter((h) => h !== '0.0.0.0' && h !== '::') });
  for (const g of pki.generated) log.info({ component: g.component, reason: g.reason }, 'generated certificate');
  for (const w of pki.warnings) log.warn(w);
  const server = new ApiServer({ kv: options.kv, pki, host: options.host, port: options.port, ...(options.tokenFile && { tokenFile: options.tokenFile }), ...(options.services && { services: options.services }) });
  const address = await server.start();
  const dialHost = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  const url = `https://${dialHost.includes(':') ? `[${dialHost}]` : dialHost}:${address.port}`;
  const kubeconfigPath = join(options.dataDir, 'kubeconfig');
  // Rewritten every start: the admin certificate may have been re-issued.
  await writeKubeconfig(kubeconfigPath, {
    server: url,
    caPem: pki.ca.certPem,
    clientCertPem: pki.admin.certPem,
    clientKeyPem: pki.admin.keyPem,
    clusterName: 'tskube',
    userName: ADMIN_USER,
    contextName: 'tskube',
  });
  return { server, url, kubeconfigPath, close: () => server.close() };
}

/**
 * @module test/client/support/cluster-client
 *
 * A tskube RestClient for a test cluster, with small timeouts and fast retries by default.
 */
import { loadKubeconfig } from '../../../src/client/kubeconfig.js';
import { RestClient, type RestClientOptions } from '../../../src/client/rest-client.js';
import type { TestCluster } from '../../support/apiserver.js';

export async function clientFor(
  cluster: TestCluster,
  options: Partial<Omit<RestClientOptions, 'config'>> & { server?: string } = {},
): Promise<RestClient> {
  const config = await loadKubeconfig({ path: cluster.api.kubeconfigPath });
  const { server, ...rest } = options;
  return new RestClient({
    timeoutMs: 10_000,
    retry: { backoff: { initialMs: 50, maxMs: 1_000 } },
    ...rest,
    config: { ...config, ...(server && { server }) },
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * @module test/scenarios/support/workloads
 *
 * What the whole-cluster scenarios (node loss, rolling update, scheduling, terminating pod) share
 * about their workloads: the tskube/echo Deployment they run (readiness probe on /readyz, a short
 * grace period), pod readiness, and the teardown that checks no pod process outlives the cluster.
 */
import assert from 'node:assert/strict';
import type { Deployment, DeploymentSpec } from 'kubernetes-types/apps/v1.js';
import type { PodSpec } from 'kubernetes-types/core/v1.js';
import { podProcessesUnder, type FullCluster, type PodObj } from '../../support/full-cluster.js';

export interface EchoDeploymentOptions {
  readonly name: string;
  readonly replicas: number;
  /** More of the Deployment's spec (e.g. progressDeadlineSeconds). */
  readonly spec?: Partial<DeploymentSpec>;
  /** More of the pod template's spec (tolerations, affinity, topologySpreadConstraints...). */
  readonly podSpec?: Partial<PodSpec>;
}

/**
 * A Deployment of tskube/echo pods labelled `app: <name>`, Ready once /readyz answers (probed
 * every second), with a 2 s grace period so that deletions in a scenario do not drag on.
 */
export function echoDeployment(options: EchoDeploymentOptions): Deployment {
  const { name, replicas } = options;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      ...options.spec,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          terminationGracePeriodSeconds: 2,
          ...options.podSpec,
          containers: [{ name: 'echo', image: 'tskube/echo', readinessProbe: { httpGet: { path: '/readyz', port: 8080 }, periodSeconds: 1 } }],
        },
      },
    },
  };
}

/** The pod's Ready condition is True. */
export const isReady = (p: PodObj): boolean => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** Closes the cluster (if it started) and asserts that no process of any of its pods survives. */
export async function closeFullCluster(cluster: FullCluster | undefined): Promise<void> {
  if (!cluster) return;
  const dataDir = cluster.api.dataDir;
  await cluster.close();
  assert.deepEqual(podProcessesUnder(dataDir), [], 'no pod process survives close()');
}

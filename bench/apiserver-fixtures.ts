/**
 * @module bench/apiserver-fixtures
 *
 * The objects the API server benchmark sends and stores, shaped like a real cluster's: node
 * Leases as a kubelet renews them, Pods as they look once scheduled and running (defaults filled
 * in, status with podIP), and ConfigMaps for the watch fan-out.
 */
import { randomUUID } from 'node:crypto';

export const LEASE_NAMESPACE = 'kube-node-lease';
export const LEASE_PATH = `/apis/coordination.k8s.io/v1/namespaces/${LEASE_NAMESPACE}/leases`;

export interface Lease {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; resourceVersion?: string; [field: string]: unknown };
  spec: { holderIdentity: string; leaseDurationSeconds: number; renewTime: string };
}

/** A cloud-style node name, unique for i < 65,536. */
export function nodeName(i: number): string {
  return `ip-10-0-${(i >> 8) & 255}-${i & 255}.eu-central-1.compute.internal`;
}

/** metav1.MicroTime as the kubelet writes it: `2026-01-01T00:00:00.000000Z`. */
export function microTime(date = new Date()): string {
  return date.toISOString().replace('Z', '000Z');
}

/** A node's Lease as the kubelet first creates it (owned by its Node). */
export function newLease(i: number): Lease {
  const name = nodeName(i);
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name,
      namespace: LEASE_NAMESPACE,
      ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: uuidFor('node', i) }],
    },
    spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: microTime() },
  };
}

/** The kubelet's renewal: its last copy of the Lease (with that resourceVersion), renewTime now. */
export function renewal(lease: Lease): string {
  return JSON.stringify({ ...lease, spec: { ...lease.spec, renewTime: microTime() } });
}

/** A stable UUID-shaped id, so repeated runs store the same bytes. */
function uuidFor(kind: string, i: number): string {
  const hex = (kind.length * 0x1000000 + i).toString(16).padStart(12, '0');
  return `6b756265-0000-4000-8000-${hex}`;
}

export const POD_NAMESPACES = 100;

export function podNamespace(i: number): string {
  return `bench-${String(i % POD_NAMESPACES).padStart(2, '0')}`;
}

/** The i-th pod, as stored once scheduled and running: about 1.6 KB of JSON. */
export function runningPod(i: number, now: Date): Record<string, unknown> & { metadata: { name: string; namespace: string; [field: string]: unknown } } {
  const namespace = podNamespace(i);
  const app = `app-${Math.floor(i / POD_NAMESPACES) % 50}`;
  const hash = (0x5f4e3d + Math.floor(i / 1000)).toString(16);
  const name = `${app}-${hash}-${(i % 100_000).toString(36).padStart(5, '0')}`;
  const node = nodeName(i % 5000);
  const time = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const ip = `10.${64 + ((i >> 16) & 63)}.${(i >> 8) & 255}.${i & 255}`;
  const hostIP = `10.0.${((i % 5000) >> 8) & 255}.${i % 5000 & 255}`;
  const condition = (type: string) => ({ type, status: 'True', lastTransitionTime: time });
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      uid: randomUUID(),
      creationTimestamp: time,
      generation: 1,
      labels: { app, 'pod-template-hash': hash, tier: 'backend' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${app}-${hash}`, uid: uuidFor('replicaset', i % 1000), controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      containers: [
        {
          name: 'app',
          image: `registry.example.com/${app}:1.4.2`,
          ports: [{ containerPort: 8080, protocol: 'TCP' }],
          resources: { requests: { cpu: '100m', memory: '128Mi' } },
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          imagePullPolicy: 'IfNotPresent',
        },
      ],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      serviceAccountName: 'default',
      nodeName: node,
      securityContext: {},
      schedulerName: 'default-scheduler',
      enableServiceLinks: true,
    },
    status: {
      phase: 'Running',
      conditions: [condition('Ready'), condition('PodScheduled')],
      hostIP,
      podIP: ip,
      podIPs: [{ ip }],
      startTime: time,
      containerStatuses: [
        {
          name: 'app',
          state: { running: { startedAt: time } },
          ready: true,
          restartCount: 0,
          image: `registry.example.com/${app}:1.4.2`,
          containerID: `containerd://${'fedcba9876543210'.repeat(4)}`,
          started: true,
        },
      ],
      qosClass: 'Burstable',
    },
  };
}

export const WATCH_NAMESPACE = 'bench-watch';

/** A ConfigMap for the watch fan-out; `seq` changes its data so every update is a real change. */
export function configMap(i: number, seq: number): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `settings-${i}`, namespace: WATCH_NAMESPACE, labels: { app: 'bench' } },
    data: { seq: String(seq), 'settings.yaml': `replicas: 3\nlogLevel: info\nfeature: ${'x'.repeat(200)}\n` },
  };
}

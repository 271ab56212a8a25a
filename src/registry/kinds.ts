/**
 * @module registry/kinds
 *
 * The per-kind rules of the served resources: which fields field selectors may use, defaults
 * that clients and printers rely on, initial status, and the delete grace period of pods.
 * Everything not listed uses the generic strategy.
 */
import type { StoredObject } from '../api/object.js';
import { isPlainObject } from '../api/object.js';
import { nameIsDNSLabel } from '../api/validation/names.js';
import { SERVICE_RULES } from './service/strategy.js';
import type { StrategyOptions } from './strategy.js';

type Obj = Record<string, unknown>;

const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
const child = (o: unknown, key: string): Obj => (isPlainObject(o) && isPlainObject(o[key]) ? (o[key] as Obj) : {});

function ensureObject(o: Obj, key: string): Obj {
  if (!isPlainObject(o[key])) o[key] = {};
  return o[key] as Obj;
}

/** Container defaults that `kubectl describe` and the node agent read. */
function defaultContainers(containers: unknown): void {
  if (!Array.isArray(containers)) return;
  for (const c of containers) {
    if (!isPlainObject(c)) continue;
    c.terminationMessagePath ??= '/dev/termination-log';
    c.terminationMessagePolicy ??= 'File';
    c.imagePullPolicy ??= typeof c.image === 'string' && (c.image.endsWith(':latest') || !c.image.includes(':')) ? 'Always' : 'IfNotPresent';
    if (Array.isArray(c.ports)) for (const p of c.ports) if (isPlainObject(p)) p.protocol ??= 'TCP';
  }
}

export function defaultPodSpec(spec: Obj): void {
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  spec.securityContext ??= {};
  spec.enableServiceLinks ??= true;
  defaultContainers(spec.containers);
  defaultContainers(spec.initContainers);
}

function defaultTemplate(spec: Obj): void {
  const template = ensureObject(spec, 'template');
  defaultPodSpec(ensureObject(template, 'spec'));
}

const replicaDefaults = (obj: StoredObject) => {
  const spec = ensureObject(obj, 'spec');
  spec.replicas ??= 1;
  defaultTemplate(spec);
};

export const KIND_RULES: Readonly<Record<string, StrategyOptions>> = {
  namespaces: {
    nameValidator: nameIsDNSLabel,
    prepareForCreate: (obj) => {
      ensureObject(obj, 'spec').finalizers ??= ['kubernetes'];
      obj.status = { phase: 'Active' };
    },
    extraFields: (obj) => ({ 'status.phase': str(child(obj, 'status').phase) }),
  },
  nodes: {
    extraFields: (obj) => ({ 'spec.unschedulable': String(child(obj, 'spec').unschedulable === true) }),
  },
  pods: {
    defaults: (obj) => defaultPodSpec(ensureObject(obj, 'spec')),
    prepareForCreate: (obj) => {
      addDefaultTolerations(ensureObject(obj, 'spec'));
      obj.status = { phase: 'Pending', qosClass: 'BestEffort' };
    },
    extraFields: (obj) => {
      const spec = child(obj, 'spec');
      const status = child(obj, 'status');
      return {
        'spec.nodeName': str(spec.nodeName),
        'spec.restartPolicy': str(spec.restartPolicy),
        'spec.schedulerName': str(spec.schedulerName),
        'spec.serviceAccountName': str(spec.serviceAccountName),
        'spec.hostNetwork': String(spec.hostNetwork === true),
        'status.phase': str(status.phase),
        'status.podIP': str(status.podIP),
        'status.nominatedNodeName': str(status.nominatedNodeName),
      };
    },
  },
  services: SERVICE_RULES,
  secrets: {
    defaults: (obj) => {
      obj.type ??= 'Opaque';
    },
    extraFields: (obj) => ({ type: str(obj.type) }),
  },
  events: {
    extraFields: (obj) => {
      const involved = child(obj, 'involvedObject');
      const regarding = child(obj, 'regarding');
      const ref = Object.keys(involved).length > 0 ? involved : regarding;
      return {
        'involvedObject.kind': str(ref.kind),
        'involvedObject.namespace': str(ref.namespace),
        'involvedObject.name': str(ref.name),
        'involvedObject.uid': str(ref.uid),
        'involvedObject.apiVersion': str(ref.apiVersion),
        'involvedObject.resourceVersion': str(ref.resourceVersion),
        'involvedObject.fieldPath': str(ref.fieldPath),
        reason: str(obj.reason),
        reportingComponent: str(obj.reportingComponent ?? obj.reportingController),
        source: str(child(obj, 'source').component ?? obj.reportingController),
        type: str(obj.type),
      };
    },
  },
  deployments: {
    defaults: (obj) => {
      replicaDefaults(obj);
      const spec = ensureObject(obj, 'spec');
      const strategy = ensureObject(spec, 'strategy');
      strategy.type ??= 'RollingUpdate';
      if (strategy.type === 'RollingUpdate') {
        const rolling = ensureObject(strategy, 'rollingUpdate');
        rolling.maxUnavailable ??= '25%';
        rolling.maxSurge ??= '25%';
      }
      spec.revisionHistoryLimit ??= 10;
      spec.progressDeadlineSeconds ??= 600;
    },
  },
  replicasets: {
    defaults: replicaDefaults,
    extraFields: (obj) => ({ 'status.replicas': String(child(obj, 'status').replicas ?? 0) }),
  },
  daemonsets: {
    defaults: (obj) => {
      const spec = ensureObject(obj, 'spec');
      defaultTemplate(spec);
      const strategy = ensureObject(spec, 'updateStrategy');
      strategy.type ??= 'RollingUpdate';
      if (strategy.type === 'RollingUpdate') {
        const rolling = ensureObject(strategy, 'rollingUpdate');
        rolling.maxUnavailable ??= 1;
        rolling.maxSurge ??= 0;
      }
      spec.revisionHistoryLimit ??= 10;
    },
  },
};

/** A Namespace is held by spec.finalizers ("kubernetes") until the namespace controller has emptied it. */
export function namespaceFinalizers(ns: StoredObject): readonly string[] {
  const finalizers = child(ns, 'spec').finalizers;
  return Array.isArray(finalizers) ? (finalizers as string[]) : [];
}

export function markNamespaceTerminating(ns: StoredObject): void {
  ns.status = { ...child(ns, 'status'), phase: 'Terminating' };
}

/** The DefaultTolerationSeconds admission plugin's default: 300 s on an unreachable or not-ready node. */
export const DEFAULT_TOLERATION_SECONDS = 300;
const NO_EXECUTE_NODE_TAINTS = ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'] as const;

/**
 * As upstream's DefaultTolerationSeconds admission: a pod that does not already tolerate the
 * not-ready / unreachable NoExecute taints tolerates them for 300 s, so a node that is gone for a
 * moment does not evict its pods at once.
 */
export function addDefaultTolerations(spec: Obj): void {
  const tolerations = Array.isArray(spec.tolerations) ? (spec.tolerations as unknown[]) : [];
  for (const key of NO_EXECUTE_NODE_TAINTS) {
    const tolerated = tolerations.some(
      (t) => isPlainObject(t) && (t.key === key || (t.key === undefined && t.operator === 'Exists')) && (t.effect === undefined || t.effect === '' || t.effect === 'NoExecute'),
    );
    if (!tolerated) tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: DEFAULT_TOLERATION_SECONDS });
  }
  spec.tolerations = tolerations;
}

/** A pod's delete grace period: its own setting, but none when it never ran or already finished. */
export function podGracePeriod(pod: StoredObject, requested: number | undefined): number {
  const spec = child(pod, 'spec');
  const phase = str(child(pod, 'status').phase);
  if (!spec.nodeName || phase === 'Succeeded' || phase === 'Failed') return 0;
  const configured = typeof spec.terminationGracePeriodSeconds === 'number' ? spec.terminationGracePeriodSeconds : 30;
  return Math.max(0, requested ?? configured);
}

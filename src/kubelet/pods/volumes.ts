/**
 * @module kubelet/pods/volumes
 *
 * A pod's volumes resolved to the files the runtime materialises: emptyDir (none), configMap,
 * secret (base64-decoded), downwardAPI and projected (configMap / secret / downwardAPI sources),
 * with items, modes and defaultMode as upstream. A missing ConfigMap or Secret that is not
 * optional is a VolumeSetupError: the pod stays ContainerCreating with upstream's FailedMount
 * event until it appears. Resolved at each container start (upstream also refreshes mounted
 * files in place as objects change; tskube does not yet).
 */
import type { Container, DownwardAPIVolumeFile, KeyToPath, Volume } from 'kubernetes-types/core/v1.js';
import type { VolumeFile, VolumeMount } from '../runtime/interface.js';
import type { PodObject } from './api.js';
import { fieldRefValue, resourceFieldRefValue, type PodRuntimeFacts } from './downward-api.js';
import { secretData, type ReferencedObjects } from './env.js';

/** 0644, upstream's default file mode for configMap/secret/downwardAPI/projected volumes. */
const DEFAULT_MODE = 0o644;

export class VolumeSetupError extends Error {
  override readonly name = 'VolumeSetupError';
  readonly reason = 'FailedMount';
  constructor(
    readonly volume: string,
    detail: string,
  ) {
    super(`MountVolume.SetUp failed for volume "${volume}" : ${detail}`);
  }
}

/** Every volume's files by volume name. */
export async function resolveVolumes(pod: PodObject, facts: PodRuntimeFacts, refs: ReferencedObjects): Promise<Map<string, VolumeFile[]>> {
  const out = new Map<string, VolumeFile[]>();
  for (const volume of pod.spec?.volumes ?? []) out.set(volume.name, await volumeFiles(pod, volume, facts, refs));
  return out;
}

/** The container's mounts, each with its volume's files. */
export function containerMounts(container: Container, volumes: ReadonlyMap<string, readonly VolumeFile[]>): VolumeMount[] {
  return (container.volumeMounts ?? []).map((m) => ({
    name: m.name,
    mountPath: m.mountPath,
    ...(m.readOnly !== undefined && { readOnly: m.readOnly }),
    files: volumes.get(m.name) ?? [],
  }));
}

async function volumeFiles(pod: PodObject, volume: Volume, facts: PodRuntimeFacts, refs: ReferencedObjects): Promise<VolumeFile[]> {
  const namespace = pod.metadata?.namespace ?? 'default';
  if (volume.configMap) {
    const { name = '', items, optional, defaultMode } = volume.configMap;
    return configMapFiles(volume.name, namespace, name, items, optional, defaultMode ?? DEFAULT_MODE, refs);
  }
  if (volume.secret) {
    const { secretName = '', items, optional, defaultMode } = volume.secret;
    return secretFiles(volume.name, namespace, secretName, items, optional, defaultMode ?? DEFAULT_MODE, refs);
  }
  if (volume.downwardAPI) {
    return downwardFiles(pod, volume.downwardAPI.items ?? [], volume.downwardAPI.defaultMode ?? DEFAULT_MODE, facts);
  }
  if (volume.projected) {
    const mode = volume.projected.defaultMode ?? DEFAULT_MODE;
    const files: VolumeFile[] = [];
    for (const source of volume.projected.sources ?? []) {
      if (source.configMap) files.push(...(await configMapFiles(volume.name, namespace, source.configMap.name ?? '', source.configMap.items, source.configMap.optional, mode, refs)));
      if (source.secret) files.push(...(await secretFiles(volume.name, namespace, source.secret.name ?? '', source.secret.items, source.secret.optional, mode, refs)));
      if (source.downwardAPI) files.push(...downwardFiles(pod, source.downwardAPI.items ?? [], mode, facts));
    }
    return files;
  }
  // emptyDir (and anything tskube does not model): an empty directory shared by the pod.
  return [];
}

async function configMapFiles(
  volume: string,
  namespace: string,
  name: string,
  items: readonly KeyToPath[] | undefined,
  optional: boolean | undefined,
  mode: number,
  refs: ReferencedObjects,
): Promise<VolumeFile[]> {
  const cm = await refs.configMap(namespace, name);
  if (!cm) {
    if (optional) return [];
    throw new VolumeSetupError(volume, `configmap "${name}" not found`);
  }
  const data = new Map<string, string | Buffer>();
  for (const [k, v] of Object.entries(cm.data ?? {})) data.set(k, v);
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) data.set(k, Buffer.from(v, 'base64'));
  return keyedFiles(volume, data, items, optional, mode, 'configmap references non-existent config key');
}

async function secretFiles(
  volume: string,
  namespace: string,
  name: string,
  items: readonly KeyToPath[] | undefined,
  optional: boolean | undefined,
  mode: number,
  refs: ReferencedObjects,
): Promise<VolumeFile[]> {
  const secret = await refs.secret(namespace, name);
  if (!secret) {
    if (optional) return [];
    throw new VolumeSetupError(volume, `secret "${name}" not found`);
  }
  return keyedFiles(volume, new Map(Object.entries(secretData(secret))), items, optional, mode, 'references non-existent secret key');
}

function keyedFiles(
  volume: string,
  data: ReadonlyMap<string, string | Buffer>,
  items: readonly KeyToPath[] | undefined,
  optional: boolean | undefined,
  mode: number,
  missingKeyMessage: string,
): VolumeFile[] {
  if (!items || items.length === 0) return [...data].map(([path, content]) => ({ path, content, mode }));
  const files: VolumeFile[] = [];
  for (const item of items) {
    const content = data.get(item.key);
    if (content === undefined) {
      if (optional) continue;
      throw new VolumeSetupError(volume, `${missingKeyMessage}: ${item.key}`);
    }
    files.push({ path: item.path, content, mode: item.mode ?? mode });
  }
  return files;
}

function downwardFiles(pod: PodObject, items: readonly DownwardAPIVolumeFile[], mode: number, facts: PodRuntimeFacts): VolumeFile[] {
  return items.map((item) => {
    let content = '';
    if (item.fieldRef) content = fieldRefValue(pod, item.fieldRef, facts);
    else if (item.resourceFieldRef) content = resourceFieldRefValue(pod.spec?.containers ?? [], item.resourceFieldRef, facts);
    return { path: item.path, content, mode: item.mode ?? mode };
  });
}

/**
 * @module apiserver/pki/kubeconfig
 *
 * Writes a kubeconfig with one cluster, one user and one context, credentials embedded as
 * `*-data` fields so the file works when copied elsewhere. It carries a private key, hence 0600
 * and an atomic write: kubectl reading it mid-write must not see half a key.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { stringify } from 'yaml';
import { pkiErrors } from './errors.js';
import { PRIVATE_FILE_MODE, writeFileAtomic } from './files.js';

export interface KubeconfigOptions {
  /** The API server URL, e.g. `https://127.0.0.1:6443`. */
  readonly server: string;
  readonly caPem: string;
  readonly clientCertPem: string;
  readonly clientKeyPem: string;
  readonly clusterName: string;
  readonly userName: string;
  readonly contextName: string;
  /** Default namespace of the context; omitted means kubectl's `default`. */
  readonly namespace?: string;
}

/** The kubeconfig as YAML text (client-go's v1 Config schema). */
export function renderKubeconfig(options: KubeconfigOptions): string {
  const server = checkServer(options.server);
  for (const [field, value] of [
    ['clusterName', options.clusterName],
    ['userName', options.userName],
    ['contextName', options.contextName],
  ] as const) {
    if (value === '') throw pkiErrors.invalidArgument(`kubeconfig ${field} must not be empty`);
  }
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: options.clusterName,
        cluster: { server, 'certificate-authority-data': base64(options.caPem) },
      },
    ],
    users: [
      {
        name: options.userName,
        user: {
          'client-certificate-data': base64(options.clientCertPem),
          'client-key-data': base64(options.clientKeyPem),
        },
      },
    ],
    contexts: [
      {
        name: options.contextName,
        context: {
          cluster: options.clusterName,
          user: options.userName,
          ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
        },
      },
    ],
    'current-context': options.contextName,
    preferences: {},
  };
  // lineWidth 0: base64 blobs stay on one line, as kubectl itself writes them.
  return stringify(config, { lineWidth: 0 });
}

/** Writes (replacing, not merging) the kubeconfig at `path`, mode 0600; creates the directory. */
export async function writeKubeconfig(path: string, options: KubeconfigOptions): Promise<void> {
  const text = renderKubeconfig(options);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFileAtomic(path, text, PRIVATE_FILE_MODE);
}

function checkServer(server: string): string {
  let url: URL;
  try {
    url = new URL(server);
  } catch (cause) {
    throw pkiErrors.invalidArgument(`kubeconfig server ${JSON.stringify(server)} is not a URL: ${String(cause)}`);
  }
  // Client certificates only mean something over TLS; an http:// server would send none.
  if (url.protocol !== 'https:') {
    throw pkiErrors.invalidArgument(`kubeconfig server ${JSON.stringify(server)} must be an https:// URL`);
  }
  return server;
}

function base64(pem: string): string {
  return Buffer.from(pem, 'utf8').toString('base64');
}

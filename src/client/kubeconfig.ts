/**
 * @module client/kubeconfig
 *
 * Reads a kubeconfig (client-go's v1 Config schema) into the one thing a client needs: where the
 * API server is and how to trust and authenticate to it, for one context (the current one unless
 * asked). Paths inside the file are relative to the file, as kubectl reads them. Not supported
 * (yet): merging several files from a KUBECONFIG list (the first file that exists is used), exec
 * and auth-provider plugins, proxies.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve as resolvePath } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { isPlainObject } from '../api/object.js';

export interface ClientConfig {
  /** The API server URL, e.g. https://127.0.0.1:6443 (http:// means HTTP/2 without TLS). */
  readonly server: string;
  /** CA certificates (PEM) that sign the server's certificate; default: Node's trust store. */
  readonly ca?: Buffer;
  /** Client certificate and key (PEM) for mutual TLS. */
  readonly cert?: Buffer;
  readonly key?: Buffer;
  /** Bearer token sent as `Authorization: Bearer …`. */
  readonly token?: string;
  readonly insecureSkipTLSVerify?: boolean;
  /** SNI name and name to verify, when it differs from the URL's host. */
  readonly tlsServerName?: string;
  /** The context's default namespace ("default" when the context names none). */
  readonly namespace: string;
  readonly contextName?: string;
}

export class KubeconfigError extends Error {
  override readonly name = 'KubeconfigError';
}

export interface LoadKubeconfigOptions {
  /** The file; default: the first existing entry of $KUBECONFIG, else ~/.kube/config. */
  readonly path?: string;
  /** The context to use; default: current-context. */
  readonly context?: string;
}

export async function loadKubeconfig(options: LoadKubeconfigOptions = {}): Promise<ClientConfig> {
  const path = options.path ?? defaultKubeconfigPath();
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new KubeconfigError(`cannot read kubeconfig ${path}: ${(err as Error).message}`, { cause: err });
  }
  return parseKubeconfig(text, { baseDir: dirname(resolvePath(path)), ...(options.context && { context: options.context }), source: path });
}

function defaultKubeconfigPath(): string {
  const env = process.env.KUBECONFIG;
  if (env) {
    const candidates = env.split(':').filter((p) => p.length > 0);
    return candidates.find((p) => existsSync(p)) ?? candidates[0] ?? join(homedir(), '.kube', 'config');
  }
  return join(homedir(), '.kube', 'config');
}

type Section = Record<string, unknown>;

/** Parses kubeconfig text; file references are read relative to `baseDir`. */
export async function parseKubeconfig(
  text: string,
  options: { baseDir?: string; context?: string; source?: string } = {},
): Promise<ClientConfig> {
  const where = options.source ?? 'kubeconfig';
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new KubeconfigError(`${where} is not valid YAML: ${(err as Error).message}`, { cause: err });
  }
  if (!isPlainObject(doc)) throw new KubeconfigError(`${where} is not a kubeconfig (expected a mapping)`);
  const contextName = options.context ?? str(doc['current-context']);
  if (!contextName) throw new KubeconfigError(`${where} has no current-context; name a context explicitly`);
  const context = named(doc.contexts, 'context', contextName, where);
  const clusterName = str(context.cluster);
  if (!clusterName) throw new KubeconfigError(`context "${contextName}" in ${where} names no cluster`);
  const cluster = named(doc.clusters, 'cluster', clusterName, where);
  const userName = str(context.user);
  const user = userName ? named(doc.users, 'user', userName, where) : {};

  const server = str(cluster.server);
  if (!server) throw new KubeconfigError(`cluster "${clusterName}" in ${where} has no server`);
  try {
    const url = new URL(server);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`unsupported scheme ${url.protocol}`);
  } catch (err) {
    throw new KubeconfigError(`cluster "${clusterName}" in ${where}: server ${JSON.stringify(server)} is not an http(s) URL: ${(err as Error).message}`);
  }

  const file = (p: string) => (isAbsolute(p) || !options.baseDir ? p : join(options.baseDir, p));
  const material = async (section: Section, dataKey: string, fileKey: string): Promise<Buffer | undefined> => {
    const data = str(section[dataKey]);
    if (data) return Buffer.from(data, 'base64');
    const path = str(section[fileKey]);
    if (!path) return undefined;
    try {
      return await readFile(file(path));
    } catch (err) {
      throw new KubeconfigError(`cannot read ${fileKey} ${path} named in ${where}: ${(err as Error).message}`, { cause: err });
    }
  };

  const ca = await material(cluster, 'certificate-authority-data', 'certificate-authority');
  const cert = await material(user, 'client-certificate-data', 'client-certificate');
  const key = await material(user, 'client-key-data', 'client-key');
  if ((cert === undefined) !== (key === undefined)) {
    throw new KubeconfigError(`user "${userName}" in ${where} has a client certificate without a key, or a key without a certificate`);
  }
  let token = str(user.token);
  const tokenFile = str(user.tokenFile);
  if (!token && tokenFile) {
    try {
      token = (await readFile(file(tokenFile), 'utf8')).trim();
    } catch (err) {
      throw new KubeconfigError(`cannot read tokenFile ${tokenFile} named in ${where}: ${(err as Error).message}`, { cause: err });
    }
  }
  if (user.exec !== undefined || user['auth-provider'] !== undefined) {
    throw new KubeconfigError(`user "${userName}" in ${where} uses an exec or auth-provider plugin, which tskube's client does not support`);
  }
  const tlsServerName = str(cluster['tls-server-name']);
  return {
    server,
    ...(ca && { ca }),
    ...(cert && { cert }),
    ...(key && { key }),
    ...(token && { token }),
    ...(cluster['insecure-skip-tls-verify'] === true && { insecureSkipTLSVerify: true }),
    ...(tlsServerName && { tlsServerName }),
    namespace: str(context.namespace) || 'default',
    contextName,
  };
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** The `field` section of the entry called `name` in a kubeconfig list (clusters, users, contexts). */
function named(list: unknown, field: string, name: string, where: string): Section {
  const entries = Array.isArray(list) ? list : [];
  const entry = entries.find((e): e is Section => isPlainObject(e) && e.name === name);
  if (!entry) throw new KubeconfigError(`${where} has no ${field} named "${name}"`);
  const section = entry[field];
  return isPlainObject(section) ? section : {};
}

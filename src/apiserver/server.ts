/**
 * @module apiserver/server
 *
 * The API server: HTTPS with HTTP/2 (ALPN) and HTTP/1.1 on one port. Each request is
 * authenticated, parsed into a RequestInfo, and served by the non-resource routes (version,
 * health, discovery, OpenAPI) or the resource handlers over the registry. Watches are served from
 * one watch cache per resource.
 */
import { createSecureServer, type Http2SecureServer, type ServerHttp2Session } from 'node:http2';
import { setMaxListeners } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { apiErrors } from '../api/errors.js';
import type { ResourceInfo } from '../api/resources.js';
import { createLogger } from '../log.js';
import { Registry } from '../registry/registry.js';
import type { ServiceAllocationOptions } from '../registry/service/allocation.js';
import { ensureKubernetesService } from '../registry/service/kubernetes-service.js';
import type { ResourceStore } from '../registry/store.js';
import type { KV } from '../storage/interface.js';
import { isAuthenticationError, loadTokenFile, newRequestAuthenticator, type Authenticator, type UserInfo } from './authn/index.js';
import { handleResource } from './handlers/resource.js';
import { KubeletClient, proxyPodUpgrade, rejectUpgrade, STREAMING_SUBRESOURCES } from './handlers/pod-streams/index.js';
import { CachedWatchServer } from './handlers/watch.js';
import { sendError, toApiError, type RequestContext, type ServerRequest, type ServerResponseLike } from './http.js';
import { serveNonResource } from './nonresource.js';
import type { Pki } from './pki/index.js';
import { parseRequestInfo } from './request-info.js';
import { WatchCache } from './watch-cache/watch-cache.js';

/** How long a connection's client-certificate identity is trusted before it is checked again. */
const CONNECTION_IDENTITY_TTL_MS = 10_000;

export interface ApiServerOptions {
  readonly kv: KV;
  readonly pki: Pki;
  readonly host?: string;
  readonly port: number;
  /** A static token file (upstream's --token-auth-file format). */
  readonly tokenFile?: string;
  /** `--service-cluster-ip-range` and `--service-node-port-range` (registry/service/ranges.ts). */
  readonly services?: ServiceAllocationOptions;
}

export class ApiServer {
  readonly registry: Registry;
  private readonly log = createLogger('apiserver');
  private readonly server: Http2SecureServer;
  private readonly caches = new Map<ResourceInfo, WatchCache>();
  private readonly cacheRuns: Promise<void>[] = [];
  private readonly stop = new AbortController();
  private readonly sessions = new Set<ServerHttp2Session>();
  private readonly sockets = new Set<Socket>();
  private authenticator: Authenticator | undefined;
  private readonly connectionUsers = new WeakMap<object, { user: UserInfo; until: number }>();
  private readonly kubelet: KubeletClient;

  constructor(private readonly options: ApiServerOptions) {
    // Every watch cache and open watch listens on the shutdown signal.
    setMaxListeners(0, this.stop.signal);
    this.registry = new Registry(options.kv, { ...(options.services && { services: options.services }), log: this.log });
    this.server = createSecureServer({
      allowHTTP1: true,
      cert: options.pki.serving.certPem,
      key: options.pki.serving.keyPem,
      ca: options.pki.ca.certPem,
      requestCert: true,
      rejectUnauthorized: false,
    });
    this.kubelet = new KubeletClient(options.pki.ca);
    this.server.on('request', (req, res) => void this.handle(req, res));
    // HTTP/1.1 upgrades (kubectl exec, attach and port-forward): the socket is handed over to the proxy.
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => void this.handleUpgrade(req, socket, head));
    this.server.on('session', (session) => {
      this.sessions.add(session);
      session.once('close', () => this.sessions.delete(session));
    });
    this.server.on('secureConnection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  /** Starts the watch caches and listens; resolves once the port accepts connections. */
  async start(): Promise<AddressInfo> {
    const tokens = this.options.tokenFile ? await loadTokenFile(this.options.tokenFile) : undefined;
    for (const warning of tokens?.warnings ?? []) this.log.warn({ tokenFile: this.options.tokenFile }, warning);
    this.authenticator = newRequestAuthenticator({
      clientCaPem: this.options.pki.ca.certPem,
      ...(tokens && { tokenFile: tokens.authenticator }),
    });
    await this.registry.ensureDefaultNamespaces();
    for (const store of this.registry.all()) this.cacheFor(store);
    await Promise.all([...this.caches.values()].map((c) => c.ready));
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', (err: NodeJS.ErrnoException) => {
        const where = `${this.options.host ?? '127.0.0.1'}:${this.options.port}`;
        if (err.code === 'EADDRINUSE') reject(new Error(`port ${where} is already in use; stop what uses it or choose another with --port`));
        else if (err.code === 'EACCES') reject(new Error(`no permission to listen on ${where}; use a port above 1024`));
        else reject(err);
      });
      this.server.listen(this.options.port, this.options.host ?? '127.0.0.1', () => {
        this.server.removeAllListeners('error');
        resolve();
      });
    });
    const address = this.server.address() as AddressInfo;
    const host = this.options.host ?? '127.0.0.1';
    // Pods reach the API server through default/kubernetes; a wildcard bind advertises loopback.
    await ensureKubernetesService(this.registry, { ip: host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host, port: address.port }, this.log);
    this.log.info({ address: address.address, port: address.port }, 'API server listening');
    return address;
  }

  async close(): Promise<void> {
    this.stop.abort();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      // Open watches and idle HTTP/2 sessions would keep close() waiting forever.
      for (const session of this.sessions) session.destroy();
      for (const socket of this.sockets) socket.destroy();
    });
    await Promise.all(this.cacheRuns);
  }

  private cacheFor = (store: ResourceStore): WatchCache => {
    let cache = this.caches.get(store.info);
    if (!cache) {
      cache = new WatchCache({
        kv: this.options.kv,
        prefix: store.prefix(undefined),
        typed: (obj) => ({ apiVersion: store.info.group ? `${store.info.group}/${store.info.version}` : store.info.version, kind: store.info.kind, ...obj }),
        log: this.log,
      });
      this.caches.set(store.info, cache);
      this.cacheRuns.push(cache.run(this.stop.signal));
    }
    return cache;
  };

  private readonly watches = new CachedWatchServer(this.cacheFor);

  private async handle(req: ServerRequest, res: ServerResponseLike): Promise<void> {
    const abort = new AbortController();
    const onClose = () => abort.abort();
    res.once('close', onClose);
    try {
      const url = new URL(req.url ?? '/', 'https://apiserver');
      const path = url.pathname;
      // Health endpoints answer without credentials, as upstream's defaults allow.
      if (path === '/healthz' || path === '/livez' || path === '/readyz' || path === '/version') {
        return await serveNonResource(req, res, path, this.health);
      }
      const user = await this.authenticate(req);
      if (!user) throw apiErrors.unauthorized();
      const ctx: RequestContext = { req, res, url, query: url.searchParams, user, signal: abort.signal };
      const info = parseRequestInfo(req.method ?? 'GET', path, url.searchParams);
      if (info.kind === 'nonResource') return await serveNonResource(req, res, path, this.health);
      await handleResource(ctx, info, { registry: this.registry, watches: this.watches, cacheFor: this.cacheFor, kubelet: this.kubelet });
    } catch (err) {
      const apiError = isAuthenticationError(err) ? apiErrors.unauthorized() : toApiError(err);
      if (apiError.code >= 500) this.log.error({ err, method: req.method, url: req.url }, 'request failed');
      if (res.headersSent) res.end();
      else sendError(res, apiError);
    } finally {
      res.off('close', onClose);
    }
  }

  private async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    try {
      const user = await this.authenticate(req);
      if (!user) throw apiErrors.unauthorized();
      const url = new URL(req.url ?? '/', 'https://apiserver');
      const info = parseRequestInfo(req.method ?? 'GET', url.pathname, url.searchParams);
      const streaming =
        info.kind === 'resource' && info.group === '' && info.resource === 'pods' && info.name !== undefined && STREAMING_SUBRESOURCES.has(info.subresource ?? '');
      if (!streaming) throw apiErrors.pathNotFound();
      await proxyPodUpgrade(req, socket, head, info, url.searchParams, { registry: this.registry, kubelet: this.kubelet });
    } catch (err) {
      const apiError = isAuthenticationError(err) ? apiErrors.unauthorized() : toApiError(err);
      if (apiError.code >= 500) this.log.error({ err, method: req.method, url: req.url }, 'upgrade request failed');
      rejectUpgrade(socket, apiError);
    }
  }

  /**
   * A client certificate proves the same identity for the whole connection, so it is checked once
   * per connection (and again after a short while, so an expired certificate on a long-lived
   * HTTP/2 connection stops working); bearer tokens are checked on every request.
   */
  private async authenticate(req: ServerRequest): Promise<UserInfo | undefined> {
    const connection: object = 'stream' in req ? req.stream.session ?? req.socket : req.socket;
    const hasToken = req.headers.authorization !== undefined;
    const cached = hasToken ? undefined : this.connectionUsers.get(connection);
    if (cached && cached.until > Date.now()) return cached.user;
    const user = await this.authenticator!.authenticate({ socket: req.socket, headers: req.headers });
    if (user && !hasToken) this.connectionUsers.set(connection, { user, until: Date.now() + CONNECTION_IDENTITY_TTL_MS });
    return user;
  }

  private readonly health = async (): Promise<boolean> => {
    try {
      await this.options.kv.stats();
      return true;
    } catch {
      return false;
    }
  };
}

/**
 * @module apiserver/handlers/pod-streams/kubelet-client
 *
 * How the API server reaches a node's kubelet API: the node's InternalIP and the port it reports
 * in status.daemonEndpoints.kubeletEndpoint, over TLS with a client certificate the API server
 * issues itself from the cluster CA (upstream's apiserver-kubelet-client, CN
 * kube-apiserver-kubelet-client, O system:masters). Kept in memory and re-issued every start.
 *
 * The kubelet's serving certificate is NOT verified (upstream's behaviour without
 * --kubelet-certificate-authority): kubelets serve self-signed certificates by default.
 */
import { isPlainObject, type StoredObject } from '../../../api/object.js';
import { ApiError, apiErrors } from '../../../api/errors.js';
import type { Registry } from '../../../registry/registry.js';
import { issueClientCertificate, LEAF_VALIDITY_DAYS, type CertificateAuthority, type IssuedCertificate } from '../../pki/index.js';

export const KUBELET_CLIENT_COMMON_NAME = 'kube-apiserver-kubelet-client';
const KUBELET_CLIENT_GROUP = 'system:masters';

export interface KubeletLocation {
  readonly host: string;
  readonly port: number;
}

export class KubeletClient {
  private credentials: Promise<IssuedCertificate> | undefined;

  constructor(private readonly ca: CertificateAuthority) {}

  /** The client certificate and key presented to kubelets (issued on first use). */
  clientCertificate(): Promise<IssuedCertificate> {
    this.credentials ??= issueClientCertificate(this.ca, {
      commonName: KUBELET_CLIENT_COMMON_NAME,
      organizations: [KUBELET_CLIENT_GROUP],
      validityDays: LEAF_VALIDITY_DAYS,
    });
    return this.credentials;
  }

  /** Where node `nodeName`'s kubelet listens; a 404 for an unknown node, a 500 for one that reports no address or port. */
  async locate(registry: Registry, nodeName: string): Promise<KubeletLocation> {
    const node: StoredObject = await registry.store('', 'v1', 'nodes')!.get(undefined, nodeName);
    const status = isPlainObject(node.status) ? node.status : {};
    const addresses = Array.isArray(status.addresses) ? status.addresses.filter(isPlainObject) : [];
    // InternalIP first: tskube's Hostname addresses are node names no resolver knows.
    const address = ['InternalIP', 'ExternalIP', 'Hostname']
      .map((type) => addresses.find((a) => a.type === type && typeof a.address === 'string' && a.address !== ''))
      .find((a) => a !== undefined)?.address as string | undefined;
    if (!address) throw apiErrors.internal(`no preferred addresses found; known addresses: []`);
    const endpoints = isPlainObject(status.daemonEndpoints) ? status.daemonEndpoints : {};
    const kubelet = isPlainObject(endpoints.kubeletEndpoint) ? endpoints.kubeletEndpoint : {};
    const port = typeof kubelet.Port === 'number' ? kubelet.Port : 0;
    if (!Number.isInteger(port) || port <= 0 || port > 65535) {
      throw new ApiError(500, 'InternalError', `Internal error occurred: node ${nodeName} reports no kubelet port`);
    }
    return { host: address, port };
  }
}

/**
 * @module proxy/types
 *
 * The API shapes the proxy reads, and the names it keys on. `kubernetes-types` describes the
 * current v1 Service, which lost `spec.topologyKeys` when Kubernetes 1.22 removed the field;
 * tskube serves the 1.17 field again (seed 001), so the proxy extends the type here.
 */
import type { Node as NodeType, Service as ServiceType, ServiceSpec } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice as EndpointSliceType } from 'kubernetes-types/discovery/v1.js';
import type { KubeObject } from '../api/object.js';

/** A v1 ServiceSpec with the 1.17 field `topologyKeys` (KEP-536, removed upstream in 1.22). */
export interface ServiceSpecWithTopology extends ServiceSpec {
  /** Node label keys in order of preference; `"*"` (only last) matches any endpoint. At most 16. */
  readonly topologyKeys?: readonly string[];
}

export type Service = Omit<ServiceType, 'spec'> & { readonly spec?: ServiceSpecWithTopology } & KubeObject;
export type EndpointSlice = EndpointSliceType & KubeObject;
export type Node = NodeType & KubeObject;

export const LABEL_HOSTNAME = 'kubernetes.io/hostname';
export const LABEL_ZONE = 'topology.kubernetes.io/zone';
export const LABEL_REGION = 'topology.kubernetes.io/region';
/** The topology key that matches every endpoint. */
export const TOPOLOGY_KEY_ANY = '*';
/** EndpointSlices name their Service with this label. */
export const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';

/** One endpoint address of a Service port, flattened out of its EndpointSlice. */
export interface ServiceEndpoint {
  readonly ip: string;
  readonly port: number;
  readonly nodeName?: string;
  readonly zone?: string;
  /** conditions.ready; upstream treats a missing value as true. */
  readonly ready: boolean;
  /** conditions.serving; a missing value falls back to ready. */
  readonly serving: boolean;
  readonly terminating: boolean;
  /** hints.forZones[].name; empty when the endpoint carries no hints. */
  readonly zoneHints: readonly string[];
}

/** Who this proxy routes for: its node's name and labels. */
export interface NodeTopology {
  readonly name: string;
  /** The node's labels (hostname, zone, region and any other topology key). */
  readonly labels: Readonly<Record<string, string>>;
}

/** Node name → labels, for topology keys other than hostname and zone (from the Node objects). */
export type NodeLabelLookup = (nodeName: string) => Readonly<Record<string, string>> | undefined;

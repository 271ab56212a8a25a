/**
 * @module scheduler/plugins/node-ports
 *
 * NodePorts: a pod's hostPorts must be free on the node; ports conflict when protocol and port
 * are equal and either host IP is 0.0.0.0 or both are the same, as upstream's HostPortInfo.
 */
import { perCycle, podHostPorts, SUCCESS, unschedulable, type FilterPlugin, type HostPort } from '../framework.js';

export const ERR_REASON_NODE_PORTS = "node(s) didn't have free ports for the requested pod ports";

function conflicts(a: HostPort, b: HostPort): boolean {
  if (a.protocol !== b.protocol || a.port !== b.port) return false;
  return a.hostIP === '0.0.0.0' || b.hostIP === '0.0.0.0' || a.hostIP === b.hostIP;
}

export const nodePorts: FilterPlugin = {
  name: 'NodePorts',
  filter(state, pod, nodeInfo) {
    const wanted = perCycle(state, 'NodePorts/wanted', pod, podHostPorts);
    if (wanted.length === 0) return SUCCESS;
    if (wanted.some((w) => nodeInfo.usedPorts.some((u) => conflicts(w, u)))) return unschedulable(ERR_REASON_NODE_PORTS);
    return SUCCESS;
  },
};

/**
 * @module faults/iptables
 *
 * Packet-level faults for tests: iptables DROP rules inside a test network namespace made by
 * faults/netns. What a proxy above TCP cannot fake — lost segments that TCP retransmits, a peer
 * that stops ACKing so keepalive and retransmission timeouts fire — happens here for real:
 *
 *   seed 000 (incident 1): iptables -I OUTPUT -p tcp --sport <client port> -j DROP
 *   seed 003 (incident 3): iptables -I OUTPUT -m statistic --mode random --probability 0.05 -j DROP
 *
 * Rules only ever go into a namespace whose name starts with `tskube-test-`: the host's own
 * tables are never touched, and a namespace's tables vanish with it.
 */
import { execFile } from 'node:child_process';
import { isIP } from 'node:net';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Only namespaces made by faults/netns. */
export const TEST_NAMESPACE_PREFIX = 'tskube-test-';

export interface DropRule {
  /** Default OUTPUT: packets the namespace sends (the seed's rule). */
  readonly chain?: 'INPUT' | 'OUTPUT';
  /** Default tcp when a port is given, else every protocol. */
  readonly protocol?: 'tcp' | 'udp' | 'icmp' | 'all';
  readonly sourcePort?: number;
  readonly destinationPort?: number;
  /** An address or CIDR. */
  readonly source?: string;
  readonly destination?: string;
  /** TCP only: just connection attempts (SYN without ACK). */
  readonly syn?: boolean;
  /** Drop each matching packet with this probability (0 < p ≤ 1) instead of all of them. */
  readonly probability?: number;
}

export interface InstalledRule {
  readonly namespace: string;
  readonly chain: 'INPUT' | 'OUTPUT';
  /** The rule as iptables arguments after the chain, e.g. `-p tcp --sport 41000 -j DROP`. */
  readonly spec: readonly string[];
  /** Deletes the rule; resolves quietly if it (or the namespace) is already gone. */
  remove(): Promise<void>;
}

export class IptablesError extends Error {
  override readonly name = 'IptablesError';
  readonly code = 'FAULTS_IPTABLES';
}

/** The iptables arguments for `rule`, after `-I CHAIN` (validated; throws IptablesError). */
export function dropRuleSpec(rule: DropRule): string[] {
  const protocol = rule.protocol ?? (rule.sourcePort !== undefined || rule.destinationPort !== undefined || rule.syn ? 'tcp' : 'all');
  const spec: string[] = [];
  if (protocol !== 'all') spec.push('-p', protocol);
  else if (rule.sourcePort !== undefined || rule.destinationPort !== undefined) {
    throw new IptablesError('a port needs protocol tcp or udp.');
  }
  if (rule.source !== undefined) spec.push('-s', checkAddress(rule.source, 'source'));
  if (rule.destination !== undefined) spec.push('-d', checkAddress(rule.destination, 'destination'));
  if (rule.sourcePort !== undefined) spec.push('--sport', String(checkPort(rule.sourcePort, 'sourcePort')));
  if (rule.destinationPort !== undefined) spec.push('--dport', String(checkPort(rule.destinationPort, 'destinationPort')));
  if (rule.syn) {
    if (protocol !== 'tcp') throw new IptablesError('syn applies to protocol tcp only.');
    spec.push('--syn');
  }
  if (rule.probability !== undefined) {
    const p = rule.probability;
    if (!(typeof p === 'number' && p > 0 && p <= 1)) throw new IptablesError(`probability must be above 0 and at most 1, e.g. 0.05; got ${p}.`);
    spec.push('-m', 'statistic', '--mode', 'random', '--probability', String(p));
  }
  spec.push('-j', 'DROP');
  return spec;
}

/** Inserts a DROP rule at the top of the chain in the test namespace `namespace`. */
export async function insertDropRule(namespace: string, rule: DropRule): Promise<InstalledRule> {
  const chain = rule.chain ?? 'OUTPUT';
  if (chain !== 'INPUT' && chain !== 'OUTPUT') throw new IptablesError(`chain must be INPUT or OUTPUT, got ${JSON.stringify(chain)}.`);
  const spec = dropRuleSpec(rule);
  await iptables(namespace, ['-I', chain, ...spec]);
  let removed = false;
  return {
    namespace,
    chain,
    spec,
    async remove() {
      if (removed) return;
      removed = true;
      await iptables(namespace, ['-D', chain, ...spec]).catch(() => {});
    },
  };
}

/** The namespace's rules in `iptables -S` form. */
export async function listRules(namespace: string): Promise<string[]> {
  const out = await iptables(namespace, ['-S']);
  return out.split('\n').filter((line) => line.startsWith('-A '));
}

/** Runs `iptables ARGS` inside the test namespace; the host's tables are out of reach. */
export async function iptables(namespace: string, args: readonly string[]): Promise<string> {
  if (!namespace.startsWith(TEST_NAMESPACE_PREFIX) || !/^[\w.-]+$/.test(namespace)) {
    throw new IptablesError(`refusing to run iptables outside a test namespace (${TEST_NAMESPACE_PREFIX}*), got ${JSON.stringify(namespace)}.`);
  }
  try {
    const { stdout } = await run('ip', ['netns', 'exec', namespace, 'iptables', '-w', '5', ...args], { timeout: 15_000 });
    return stdout;
  } catch (err) {
    const stderr = ((err as { stderr?: string }).stderr ?? '').trim();
    throw new IptablesError(`iptables ${args.join(' ')} in ${namespace} failed: ${stderr || (err as Error).message}`, { cause: err });
  }
}

function checkPort(port: number, field: string): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new IptablesError(`${field} must be a port from 1 to 65535, got ${port}.`);
  return port;
}

function checkAddress(value: string, field: string): string {
  const [address, bits, ...rest] = value.split('/');
  const ok = rest.length === 0 && address !== undefined && isIP(address) === 4 && (bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= 32));
  if (!ok) throw new IptablesError(`${field} must be an IPv4 address or CIDR, e.g. 10.213.0.1 or 10.213.0.0/30; got ${JSON.stringify(value)}.`);
  return value;
}

/**
 * @module dns/resolver
 *
 * One question in, one answer out, with no I/O: the cluster zone from the caches (authoritative,
 * NXDOMAIN vs NODATA with the zone's SOA in the authority section so clients can cache the
 * negative answer for the TTL), PTR records for cluster addresses, and for everything else a
 * verdict the message layer acts on (forward upstream, or refuse).
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { Answer, RecordType, SoaAnswer } from 'dns-packet';
import type { ClusterState } from './cluster-state.js';
import { lookupClusterName, lookupReverse, type Entry, type LookupConfig } from './lookup.js';
import { inZone, ipFromReverseName, isReverseName, labelsBelow, normalizeName, parseClusterName } from './names.js';

export type Rcode = 'NOERROR' | 'FORMERR' | 'SERVFAIL' | 'NXDOMAIN' | 'NOTIMP' | 'REFUSED';

export interface Resolution {
  readonly rcode: Rcode;
  readonly authoritative: boolean;
  readonly answers: Answer[];
  readonly authorities: Answer[];
  readonly additionals: Answer[];
  /**
   * Not the cluster's to answer: the message layer forwards the query when an upstream is
   * configured, and otherwise sends `rcode`.
   */
  readonly forward?: boolean;
  /** A CNAME out of the zone whose target the message layer may resolve upstream and append. */
  readonly chase?: { readonly name: string; readonly type: RecordType };
}

export interface ResolverConfig extends LookupConfig {
  /** TTL of every record, in seconds (CoreDNS's default is 5). */
  readonly ttl: number;
}

/** CoreDNS serves the schema version with a long TTL: it changes only with the server. */
const DNS_VERSION_TTL = 28_800;
/** CNAME chains inside the zone are followed this far (loops between ExternalNames end here). */
const MAX_CNAME_DEPTH = 8;

export class Resolver {
  constructor(
    private readonly config: ResolverConfig,
    private readonly state: ClusterState,
    /** False until the caches hold the first list: then in-zone answers are SERVFAIL, never a false NXDOMAIN. */
    private readonly synced: () => boolean,
  ) {}

  resolve(question: { readonly name: string; readonly type: RecordType }): Resolution {
    const name = normalizeName(question.name);
    if (inZone(name, this.config.zone)) {
      if (!this.synced()) return empty('SERVFAIL', false);
      return this.resolveInZone(question.name, question.type);
    }
    if (isReverseName(name)) return this.resolveReverse(question.name, question.type);
    return { ...empty('REFUSED', false), forward: true };
  }

  private resolveInZone(qname: string, type: RecordType): Resolution {
    const zone = this.config.zone;
    const answers: Answer[] = [];
    const additionals: Answer[] = [];
    let chase: Resolution['chase'];
    let owner = qname;
    let lower = normalizeName(qname);
    for (let depth = 0; ; depth++) {
      const found = lookupClusterName(parseClusterName(labelsBelow(lower, zone)), this.state, this.config);
      if (!found.found) {
        // The first name missing is NXDOMAIN; a CNAME to a missing name still answers the CNAME.
        if (answers.length === 0) return this.negative('NXDOMAIN');
        break;
      }
      const cnames = found.entries.filter((e) => e.cname !== undefined);
      if (cnames.length > 0 && type !== 'CNAME' && type !== 'SRV') {
        const target = cnames[0]!.cname!;
        answers.push({ name: owner, type: 'CNAME', ttl: this.config.ttl, data: target });
        if (!inZone(target, zone)) {
          if (type === 'A' || type === 'AAAA') chase = { name: target, type };
          break;
        }
        if (depth >= MAX_CNAME_DEPTH) break;
        owner = target;
        lower = target;
        continue;
      }
      this.records(owner, lower, type, found.entries, found.txt, answers, additionals);
      break;
    }
    if (answers.length === 0) return this.negative('NOERROR');
    return { rcode: 'NOERROR', authoritative: true, answers: dedup(answers), authorities: [], additionals: dedup(additionals), ...(chase && { chase }) };
  }

  /** The records of one existing name for one type. */
  private records(owner: string, lower: string, type: RecordType, entries: readonly Entry[], txt: string | undefined, answers: Answer[], additionals: Answer[]): void {
    const ttl = this.config.ttl;
    const addresses = (family: 'A' | 'AAAA') =>
      entries.filter((e) => e.ip !== undefined && (family === 'A' ? isIPv4(e.ip) : isIPv6(e.ip))).map((e): Answer => ({ name: owner, type: family, ttl, data: e.ip! }));
    switch (type) {
      case 'A':
      case 'AAAA':
        answers.push(...addresses(type));
        return;
      case 'CNAME':
        for (const e of entries) if (e.cname !== undefined) answers.push({ name: owner, type: 'CNAME', ttl, data: e.cname });
        return;
      case 'TXT':
        if (txt !== undefined) answers.push({ name: owner, type: 'TXT', ttl: DNS_VERSION_TTL, data: txt });
        return;
      case 'SRV': {
        // One SRV per target and port; the weights share 100 equally (RFC 2782 leaves them to us).
        // The targets' addresses (both families of a dual-stack service) go in the additional section.
        const srv = new Map<string, Entry>();
        for (const e of entries) {
          if (e.port === undefined || e.ip === undefined) continue;
          srv.set(`${e.owner}:${e.port}`, e);
          additionals.push({ name: e.owner, type: isIPv4(e.ip) ? 'A' : 'AAAA', ttl, data: e.ip });
        }
        const weight = Math.max(1, Math.floor(100 / Math.max(1, srv.size)));
        for (const e of srv.values()) answers.push({ name: owner, type: 'SRV', ttl, data: { priority: 0, weight, port: e.port!, target: e.owner } });
        return;
      }
      case 'SOA':
        if (lower === this.config.zone) answers.push(this.soa());
        return;
      case 'NS':
        if (lower === this.config.zone) answers.push({ name: owner, type: 'NS', ttl, data: `ns.dns.${this.config.zone}` });
        return;
      default:
        return;
    }
  }

  private resolveReverse(qname: string, type: RecordType): Resolution {
    if (!this.synced()) return empty('SERVFAIL', false);
    const ip = ipFromReverseName(normalizeName(qname));
    const targets = ip ? lookupReverse(ip, this.state, this.config.zone) : [];
    if (targets.length === 0) {
      // Not a cluster address: someone else's reverse zone (kubeadm's Corefile falls through to
      // the forwarder here). Without an upstream it does not exist as far as we know.
      return { ...empty('NXDOMAIN', false), forward: true };
    }
    if (type !== 'PTR') return { rcode: 'NOERROR', authoritative: true, answers: [], authorities: [], additionals: [] };
    const answers: Answer[] = targets.map((t) => ({ name: qname, type: 'PTR', ttl: this.config.ttl, data: t }));
    return { rcode: 'NOERROR', authoritative: true, answers, authorities: [], additionals: [] };
  }

  private negative(rcode: 'NXDOMAIN' | 'NOERROR'): Resolution {
    return { rcode, authoritative: true, answers: [], authorities: [this.soa()], additionals: [] };
  }

  /** The zone's SOA, shaped as CoreDNS's (its minimum is the TTL, so negative answers are cached as long as positive ones). */
  soa(): SoaAnswer {
    const zone = this.config.zone;
    return {
      name: zone,
      type: 'SOA',
      ttl: this.config.ttl,
      data: { mname: `ns.dns.${zone}`, rname: `hostmaster.${zone}`, serial: this.state.serial, refresh: 7200, retry: 1800, expire: 86400, minimum: this.config.ttl },
    };
  }
}

function empty(rcode: Rcode, authoritative: boolean): Resolution {
  return { rcode, authoritative, answers: [], authorities: [], additionals: [] };
}

/** The same record twice (two ports of one ClusterIP, an address in two slices) is sent once. */
function dedup(records: Answer[]): Answer[] {
  const seen = new Set<string>();
  return records.filter((r) => {
    const key = `${r.name.toLowerCase()}|${r.type}|${JSON.stringify('data' in r ? r.data : null)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

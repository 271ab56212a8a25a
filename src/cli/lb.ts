/**
 * @module cli/lb
 *
 * `tskube lb`: the fault lab's load balancer (faults/load-balancer) as a command, and the client
 * commands that drive a running one through its control API (faults/control-api):
 *
 *   tskube lb --listen HOST:PORT --backend HOST:PORT [--backend ...] --control HOST:PORT
 *   tskube lb --listen HOST:PORT --service NAMESPACE/NAME [--kubeconfig FILE] [--port-name NAME]
 *             [--health-check-interval S] --control HOST:PORT
 *   tskube lb fault MODE --control HOST:PORT [--scope all|established|new] [--connections 1,2]
 *                        [--latency-ms N] [--probability P] [--retransmit-ms N] [--duration S]
 *   tskube lb status --control HOST:PORT [--json]
 *   tskube lb backends HOST:PORT... --control HOST:PORT
 *
 * With `--service` the balancer fronts a Service of type LoadBalancer: its backends follow the
 * Service's nodes and it shows its address as the Service's EXTERNAL-IP (cloud/service-load-balancer).
 * `--control` belongs to `lb` itself, so it is accepted before or after the subcommand.
 */
import { Argument, Command, InvalidArgumentError, Option } from 'commander';
import { ingressFor } from '../cloud/ingress-status.js';
import { ServiceLoadBalancerController, type ServiceLoadBalancerStatus } from '../cloud/service-load-balancer.js';
import { formatServiceRef, parseServiceRef, ServiceRefError, type ServiceRef } from '../cloud/types.js';
import { loadKubeconfig, RestClient } from '../client/index.js';
import { createLogger } from '../log.js';
import { AddressError, formatHostPort, isLoopback, parseHostPort, type HostPort } from '../faults/address.js';
import { startControlApi, type BackendOwner } from '../faults/control-api.js';
import { getStatus, postBackends, postFault } from '../faults/control-client.js';
import { FAULT_MODES, FAULT_SCOPES, validateFault, type FaultMode, type FaultRequest, type FaultScope } from '../faults/fault.js';
import { BALANCING_POLICIES, startLoadBalancer, type BalancingPolicy, type LoadBalancer, type LoadBalancerStatus } from '../faults/load-balancer.js';
import { onShutdownSignal } from './signals.js';

interface LbFlags {
  listen?: HostPort;
  backend: HostPort[];
  control: HostPort;
  policy: BalancingPolicy;
  service?: ServiceRef;
  kubeconfig?: string;
  portName?: string;
  healthCheckInterval?: number;
}

/** What `GET /status` answers for a balancer that fronts a Service. */
type StatusAnswer = LoadBalancerStatus & { readonly owner?: ServiceLoadBalancerStatus };

interface FaultFlags {
  scope?: FaultScope;
  connections?: number[];
  latencyMs?: number;
  probability?: number;
  retransmitMs?: number;
  duration?: number;
}

export function lbCommand(): Command {
  const lb = new Command('lb')
    .description('run a fault-injecting TCP load balancer for tests (the fault lab), or drive a running one')
    .option('--listen <host:port>', 'where clients connect (port 0: any free port)', (v: string) => toFlag(() => parseHostPort(v, { allowAnyPort: true })))
    .option('--backend <host:port>', 'a backend to forward to; repeat for several', (v: string, list: HostPort[] = []) => [...list, toFlag(() => parseHostPort(v))])
    .requiredOption('--control <host:port>', 'the control API, on loopback (port 0 when starting: any free port)', (v: string) =>
      toFlag(() => parseHostPort(v, { allowAnyPort: true })),
    )
    .addOption(new Option('--policy <policy>', 'how each new connection picks its backend').choices(BALANCING_POLICIES).default('round-robin'))
    .option('--service <namespace/name>', 'front this Service of type LoadBalancer instead of fixed backends: its nodes become the backends, its EXTERNAL-IP this balancer', (v: string) =>
      toFlag(() => parseServiceRef(v)),
    )
    .option('--kubeconfig <file>', 'with --service: how to reach the API server (default: $KUBECONFIG or ~/.kube/config)')
    .option('--port-name <name>', 'with --service: the Service port to serve (default: its first TCP port)')
    .option('--health-check-interval <seconds>', 'with --service and externalTrafficPolicy Local: seconds between health checks of each node (default 2)', (v: string) =>
      parseNumber(v, 'seconds from 0.1 to 300, e.g. 2', 0.1, 300),
    )
    .action((flags: LbFlags) => (flags.service ? runServiceLoadBalancer(flags, flags.service) : runLoadBalancer(flags)));

  lb.addCommand(
    new Command('fault')
      .description('switch the fault of a running `tskube lb` (pass lifts it)')
      .usage('<mode> --control HOST:PORT [options]')
      .addArgument(new Argument('<mode>', 'what the selected connections suffer').choices(FAULT_MODES))
      .addOption(new Option('--scope <scope>', 'established: open now; new: accepted from now on; all: both (default)').choices(FAULT_SCOPES))
      .option('--connections <ids>', 'only these connection ids, comma-separated (see `tskube lb status`)', parseIds)
      .option('--latency-ms <ms>', 'latency and drop: delay added to every chunk, each direction', (v: string) => parseNumber(v, 'milliseconds from 0 to 600000, e.g. 2000', 0, 600_000))
      .option('--probability <p>', 'drop: share of chunks delayed as a lost packet would be, above 0 and up to 1', (v: string) =>
        parseNumber(v, 'a share above 0 and up to 1, e.g. 0.05', 0, 1, true),
      )
      .option('--retransmit-ms <ms>', 'drop: how long a "lost" chunk waits (default 200)', (v: string) => parseNumber(v, 'milliseconds from 1 to 600000, e.g. 200', 1, 600_000))
      .option('--duration <seconds>', 'lift the fault by itself after this many seconds', (v: string) => parseNumber(v, 'seconds above 0, e.g. 60', 0, 86_400, true))
      .action((mode: FaultMode, flags: FaultFlags, command: Command) => runFault(mode, flags, command)),
  );
  lb.addCommand(
    new Command('status')
      .description('show connections, bytes and the fault of a running `tskube lb`')
      .usage('--control HOST:PORT [--json]')
      .option('--json', 'print the control API answer as it is')
      .action((flags: { json?: boolean }, command: Command) => runStatus(flags, command)),
  );
  lb.addCommand(
    new Command('backends')
      .description('replace the backends of a running `tskube lb` (established connections keep theirs)')
      .usage('HOST:PORT... --control HOST:PORT')
      .argument('<host:port...>', 'the new backends')
      .action((list: string[], _flags: unknown, command: Command) => runBackends(list, command)),
  );
  return lb;
}

function checkStartFlags(flags: LbFlags): HostPort {
  if (!flags.listen) throw new Error('tskube lb needs --listen HOST:PORT, where clients connect, e.g. --listen 127.0.0.1:8443.');
  if (!isLoopback(flags.control.host)) {
    throw new Error(`--control ${formatHostPort(flags.control)}: the control API has no authentication; use a loopback address, e.g. --control 127.0.0.1:${flags.control.port || 9090}.`);
  }
  return flags.listen;
}

async function runLoadBalancer(flags: LbFlags): Promise<void> {
  const listen = checkStartFlags(flags);
  if (!flags.backend || flags.backend.length === 0) {
    throw new Error('tskube lb needs at least one --backend HOST:PORT, e.g. --backend 127.0.0.1:6443, or --service NAMESPACE/NAME to front a Service.');
  }
  for (const [flag, value] of [['--kubeconfig', flags.kubeconfig], ['--port-name', flags.portName], ['--health-check-interval', flags.healthCheckInterval]] as const) {
    if (value !== undefined) throw new Error(`${flag} goes with --service (a balancer fronting a Service), not with --backend.`);
  }
  const shutdown = onShutdownSignal();
  const log = createLogger('lb');
  const lb = await startLoadBalancer({ listen, backends: flags.backend, policy: flags.policy, log });
  const control = await startControlApi(lb, { listen: flags.control }).catch(async (err: unknown) => {
    await lb.close();
    throw err;
  });
  printStarted(`listening on ${formatHostPort(lb.address)}, forwarding to ${flags.backend.map(formatHostPort).join(', ')} (${flags.policy})`, control.url, 'POST /backends');
  log.info({ signal: await shutdown.received }, 'shutting down');
  await control.close();
  await lb.close();
  process.stdout.write('tskube lb: stopped.\n');
}

/**
 * `--service`: the balancer starts with no backends (it resets connections until a node serves),
 * and the service controller keeps them and the Service's ingress until Ctrl-C, then clears the
 * ingress before the balancer closes.
 */
async function runServiceLoadBalancer(flags: LbFlags, service: ServiceRef): Promise<void> {
  const listen = checkStartFlags(flags);
  if (flags.backend && flags.backend.length > 0) throw new Error('--backend and --service exclude each other: with --service the backends are the Service\'s nodes.');
  ingressFor(listen.host, listen.port); // throws unless clients can use the address: before anything starts
  const shutdown = onShutdownSignal();
  const log = createLogger('lb');
  const config = await loadKubeconfig(flags.kubeconfig ? { path: flags.kubeconfig } : {});
  const client = new RestClient({ config, log, userAgent: 'tskube-lb' });
  let lb: LoadBalancer | undefined;
  try {
    lb = await startLoadBalancer({ listen, backends: [], allowNoBackends: true, policy: flags.policy, log });
    const controller = new ServiceLoadBalancerController({
      client,
      service,
      lb,
      ...(flags.portName !== undefined && { portName: flags.portName }),
      ...(flags.healthCheckInterval !== undefined && { healthCheck: { intervalMs: flags.healthCheckInterval * 1000 } }),
      log,
    });
    const owner: BackendOwner = { description: `Service ${formatServiceRef(service)}`, status: () => controller.status() };
    const control = await startControlApi(lb, { listen: flags.control, backendOwner: owner });
    try {
      const running = controller.run(shutdown.signal);
      printStarted(`listening on ${formatHostPort(lb.address)}, fronting Service ${formatServiceRef(service)} via ${config.server} (${flags.policy})`, control.url);
      await Promise.race([running, shutdown.received.then((signal) => log.info({ signal }, 'shutting down'))]);
      await running;
    } finally {
      await control.close();
    }
  } finally {
    await lb?.close();
    client.close();
  }
  process.stdout.write('tskube lb: stopped.\n');
}

function printStarted(what: string, controlUrl: string, extraRoute?: string): void {
  const routes = ['GET /status', 'POST /fault', ...(extraRoute ? [extraRoute] : [])].join(', ');
  const lines = [`tskube lb: ${what}`, `tskube lb: control API on ${controlUrl} (${routes})`, `tskube lb: running; press Ctrl-C to stop.`];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Which flags each mode takes; the rest are rejected, so a typo never goes unnoticed. */
const FAULT_FLAGS: Record<FaultMode, { takes: (keyof FaultFlags)[]; needs?: [keyof FaultFlags, string] }> = {
  pass: { takes: [] },
  blackhole: { takes: ['scope', 'connections', 'duration'] },
  reset: { takes: ['scope', 'connections', 'duration'] },
  refuse: { takes: ['scope', 'connections', 'duration'] },
  latency: { takes: ['scope', 'connections', 'duration', 'latencyMs'], needs: ['latencyMs', '--latency-ms 2000'] },
  drop: { takes: ['scope', 'connections', 'duration', 'latencyMs', 'probability', 'retransmitMs'], needs: ['probability', '--probability 0.05'] },
};

const FLAG_NAMES: Record<keyof FaultFlags, string> = {
  scope: '--scope',
  connections: '--connections',
  latencyMs: '--latency-ms',
  probability: '--probability',
  retransmitMs: '--retransmit-ms',
  duration: '--duration',
};

async function runFault(mode: FaultMode, flags: FaultFlags, command: Command): Promise<void> {
  const control = clientControl(command);
  const rules = FAULT_FLAGS[mode];
  for (const key of Object.keys(flags) as (keyof FaultFlags)[]) {
    if (flags[key] !== undefined && !rules.takes.includes(key)) {
      const takes = rules.takes.map((k) => FLAG_NAMES[k]);
      throw new Error(`${FLAG_NAMES[key]} does not apply to ${mode}; ${mode} takes ${takes.length ? takes.join(', ') : 'no options'}.`);
    }
  }
  if (rules.needs && flags[rules.needs[0]] === undefined) {
    throw new Error(`tskube lb fault ${mode} needs ${FLAG_NAMES[rules.needs[0]]}, e.g. tskube lb fault ${mode} ${rules.needs[1]} --control ${formatHostPort(control)}.`);
  }
  const request: FaultRequest = {
    mode,
    ...(flags.scope && { scope: flags.scope }),
    ...(flags.connections && { connections: flags.connections }),
    ...(flags.latencyMs !== undefined && { latencyMs: flags.latencyMs }),
    ...(flags.probability !== undefined && { probability: flags.probability }),
    ...(flags.retransmitMs !== undefined && { retransmitMs: flags.retransmitMs }),
    ...(flags.duration !== undefined && { durationSeconds: flags.duration }),
  };
  validateFault(request);
  const fault = await postFault(control, request);
  if (fault.mode === 'pass') {
    process.stdout.write('tskube lb: fault lifted; every connection passes.\n');
    return;
  }
  const details = [
    fault.latencyMs ? `latency ${fault.latencyMs} ms` : '',
    fault.probability ? `probability ${fault.probability}` : '',
    fault.connections ? `connections ${fault.connections.join(',')}` : '',
    fault.durationSeconds ? `lifts in ${fault.durationSeconds} s` : 'until changed',
  ].filter(Boolean);
  const affected = fault.affected.length ? `${fault.affected.length} open (${fault.affected.join(', ')})` : 'no open connection';
  process.stdout.write(`tskube lb: fault ${fault.mode} on ${fault.scope} connections, ${details.join(', ')}; affects ${affected} now.\n`);
}

async function runStatus(flags: { json?: boolean }, command: Command): Promise<void> {
  const status: StatusAnswer = await getStatus(clientControl(command));
  process.stdout.write(flags.json ? `${JSON.stringify(status, null, 2)}\n` : renderStatus(status));
}

async function runBackends(list: string[], command: Command): Promise<void> {
  const backends = list.map((b) => toFlag(() => parseHostPort(b)));
  const answer = await postBackends(clientControl(command), backends);
  process.stdout.write(`tskube lb: new connections now go to ${answer.backends.map((b) => b.address).join(', ')}.\n`);
}

function renderStatus(s: StatusAnswer): string {
  const f = s.fault;
  const fault =
    f.mode === 'pass'
      ? 'none (pass)'
      : `${f.mode} on ${f.scope} connections${f.connections ? ` ${f.connections.join(',')}` : ''}` +
        `${f.latencyMs ? `, latency ${f.latencyMs} ms` : ''}${f.probability ? `, probability ${f.probability}` : ''}` +
        ` since ${f.since}${f.expiresAt ? ` until ${f.expiresAt}` : ''}; affects ${f.affected.join(', ') || 'no open connection'}`;
  const rows = [['ID', 'CLIENT', 'BACKEND', 'STATE', 'MODE', 'C→B', 'B→C', 'HELD', 'ERROR']];
  for (const c of s.connectionDetails) {
    rows.push([String(c.id), c.client, c.backend, c.state, c.mode, String(c.bytesClientToBackend), String(c.bytesBackendToClient), String(c.heldBytes), c.error ?? '']);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const table = rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
  return [
    `listen:      ${s.listen} (${s.listening ? 'listening' : 'not listening: refusing'}), policy ${s.policy}`,
    ...(s.owner ? renderOwner(s.owner) : []),
    `backends:    ${s.backends.map((b) => `${b.address} (${b.open} open, ${b.total} total)`).join(', ') || 'none: new connections are reset'}`,
    `fault:       ${fault}`,
    `connections: ${s.connections.total} total, ${s.connections.open} open, ${s.connections.refused} refused`,
    `bytes:       ${s.bytes.clientToBackend} client→backend, ${s.bytes.backendToClient} backend→client`,
    '',
    ...table,
    '',
  ].join('\n');
}

/** The Service a `--service` balancer fronts, and every node with why it is or is not a backend. */
function renderOwner(o: ServiceLoadBalancerStatus): string[] {
  const port = o.port ? `port ${o.port.name ? `${o.port.name} ` : ''}${o.port.port} (nodePort ${o.port.nodePort})` : 'no port';
  const policy = o.externalTrafficPolicy ? `, externalTrafficPolicy ${o.externalTrafficPolicy}${o.healthCheckNodePort ? ` (health checks on ${o.healthCheckNodePort})` : ''}` : '';
  const ingress = o.ingress.map((i) => i.ip ?? i.hostname ?? '').join(', ') || '<pending>';
  return [
    `service:     ${o.service}, ${port}${policy}; EXTERNAL-IP ${ingress}${o.problem ? `; ${o.problem}` : ''}`,
    ...o.nodes.map((n, i) => `${i === 0 ? 'nodes:      ' : '            '} ${n.name}${n.address ? ` ${n.address}` : ''}: ${n.backend ? 'backend' : 'not a backend'}${n.reason ? ` (${n.reason})` : ''}`),
  ];
}

/** The `--control` of the parent `lb`, checked for the client commands. */
function clientControl(command: Command): HostPort {
  const parent = command.parent?.opts<Partial<LbFlags>>() ?? {};
  for (const flag of ['listen', 'backend', 'service', 'kubeconfig', 'portName', 'healthCheckInterval'] as const) {
    const value = parent[flag];
    if (value !== undefined && !(Array.isArray(value) && value.length === 0)) {
      const name = `--${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
      throw new Error(`${name} is for starting a balancer (tskube lb --listen ... --backend ... | --service ...), not for tskube lb ${command.name()}.`);
    }
  }
  const control = parent.control;
  if (!control || control.port === 0) {
    throw new Error(`tskube lb ${command.name()} needs --control HOST:PORT of the running balancer (the address \`tskube lb\` printed), e.g. --control 127.0.0.1:9090.`);
  }
  return control;
}

function toFlag<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof AddressError || err instanceof ServiceRefError) throw new InvalidArgumentError(err.message);
    throw err;
  }
}

function parseIds(value: string): number[] {
  const ids = value.split(',').map((s) => s.trim());
  if (ids.length === 0 || !ids.every((id) => /^[1-9]\d{0,15}$/.test(id))) {
    throw new InvalidArgumentError(`${JSON.stringify(value)} is not a list of connection ids; write e.g. --connections 3,7 (ids from tskube lb status).`);
  }
  return ids.map(Number);
}

function parseNumber(value: string, hint: string, min: number, max: number, aboveMin = false): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || (aboveMin && n === min) || n > max) {
    throw new InvalidArgumentError(`${JSON.stringify(value)} is out of range; give ${hint}.`);
  }
  return n;
}

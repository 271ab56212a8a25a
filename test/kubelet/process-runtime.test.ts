/**
 * The process runtime against real processes: start/stop with a grace period, exit codes, the
 * pod's environment and volume files, CRI logs as kubectl reads them, exec, attach, usage, the built-in
 * images, the image-can't-run error, and what happens when the node agent dies or restarts.
 * Every test closes its runtime (nothing left running) and removes its data dir.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it, type TestContext } from 'node:test';
import {
  ContainerNotFoundError,
  ContainerNotRunningError,
  ContainerStartError,
  type ContainerConfig,
  type PodSandboxConfig,
  type RuntimeContainer,
} from '../../src/kubelet/runtime/interface.js';
import { ProcessRuntime } from '../../src/kubelet/runtime/process/index.js';
import { isSameProcessAlive, readProcStat } from '../../src/kubelet/runtime/process/proc.js';
import { createNetnsLab, netnsUnsupportedReason } from '../../src/faults/netns.js';
import { createLogger } from '../../src/log.js';
import { eventually } from '../support/apiserver.js';

const log = createLogger('process-runtime-test');
let podCounter = 0;

function newRuntime(t: TestContext, dataDir = mkdtempSync(join(tmpdir(), 'tskube-prt-'))): { runtime: ProcessRuntime; dataDir: string } {
  const runtime = new ProcessRuntime({ dataDir, log });
  t.after(async () => {
    await runtime.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return { runtime, dataDir };
}

/** A pod on its own loopback address 127.64.x.y (all of 127/8 is loopback on Linux). */
function pod(overrides: Partial<PodSandboxConfig> = {}): PodSandboxConfig {
  const n = ++podCounter + (process.pid % 200) * 250;
  return {
    uid: `uid-${process.pid}-${n}`,
    namespace: 'default',
    name: `pod-${n}`,
    nodeName: 'node-a',
    zone: 'zone-1',
    podIP: `127.64.${Math.floor(n / 250) % 250}.${(n % 250) + 1}`,
    hostname: `pod-${n}`,
    ...overrides,
  };
}

function container(name: string, overrides: Partial<ContainerConfig> = {}): ContainerConfig {
  return { name, image: 'busybox', command: [], args: [], env: {}, mounts: [], restartCount: 0, ...overrides };
}

function sh(script: string): Pick<ContainerConfig, 'command' | 'args'> {
  return { command: ['sh', '-c', script], args: [] };
}

async function exited(runtime: ProcessRuntime, id: string, timeoutMs = 20_000): Promise<Extract<RuntimeContainer['status'], { state: 'exited' }>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = runtime.inspect(id)?.status;
    if (status?.state === 'exited') return status;
    if (Date.now() > deadline) throw new Error(`container ${id} still ${status?.state ?? 'unknown'} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function text(source: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of source) chunks.push(chunk);
  return Buffer.concat(chunks).toString();
}

async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function get(url: string): Promise<{ status: number; body: string } | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    return { status: res.status, body: await res.text() };
  } catch {
    return undefined;
  }
}

describe('process runtime: containers', () => {
  it('runs the command with the pod environment, the sandbox as working dir and volume files with their modes', async (t) => {
    const { runtime, dataDir } = newRuntime(t);
    const sandbox = pod();
    const c = await runtime.startContainer(sandbox, container('main', {
      ...sh('echo "$GREETING from $TSKUBE_POD_NAMESPACE/$TSKUBE_POD_NAME on $TSKUBE_NODE_NAME in $TSKUBE_ZONE at $TSKUBE_POD_IP host $HOSTNAME"; pwd; cat "$TSKUBE_ROOTFS/etc/config/app.conf"'),
      env: { GREETING: 'hello' },
      mounts: [{ name: 'config', mountPath: '/etc/config', files: [{ path: 'app.conf', content: 'key=value\n', mode: 0o600 }, { path: 'nested/x', content: 'x' }] }],
    }));
    assert.equal(c.status.state, 'running');
    assert.ok(c.pid);
    const status = await exited(runtime, c.id);
    assert.deepEqual({ exitCode: status.exitCode, reason: status.reason, signal: status.signal }, { exitCode: 0, reason: 'Completed', signal: undefined });
    const sandboxDir = join(dataDir, 'pods', sandbox.uid);
    assert.equal(
      await text(runtime.logs(c.id, {})),
      `hello from default/${sandbox.name} on node-a in zone-1 at ${sandbox.podIP} host ${sandbox.hostname}\n${sandboxDir}\nkey=value\n`,
    );
    assert.equal(statSync(join(sandboxDir, 'volumes/config/app.conf')).mode & 0o777, 0o600);
    assert.equal(statSync(join(sandboxDir, 'volumes/config/nested/x')).mode & 0o777, 0o644);
  });

  it('shares an emptyDir between the pod\'s containers and resolves a command and workingDir under a mount', async (t) => {
    const { runtime } = newRuntime(t);
    const sandbox = pod();
    const scratch = { name: 'scratch', mountPath: '/scratch', files: [] };
    const writer = await runtime.startContainer(sandbox, container('writer', { ...sh('echo shared > "$TSKUBE_ROOTFS/scratch/note"'), mounts: [scratch] }));
    assert.equal((await exited(runtime, writer.id)).exitCode, 0);
    const scripts = { name: 'scripts', mountPath: '/opt/scripts', files: [{ path: 'run.sh', content: '#!/bin/sh\ncat note; pwd\n', mode: 0o755 }] };
    const reader = await runtime.startContainer(sandbox, container('reader', {
      command: ['/opt/scripts/run.sh'],
      workingDir: '/data',
      mounts: [scripts, { ...scratch, mountPath: '/data' }],
    }));
    assert.equal((await exited(runtime, reader.id)).exitCode, 0);
    const [note, cwd] = (await text(runtime.logs(reader.id, {}))).trim().split('\n');
    assert.equal(note, 'shared');
    assert.match(cwd!, /\/volumes\/scratch$/);
  });

  it('reports exit codes, and 128+n with the signal for a process killed by a signal', async (t) => {
    const { runtime } = newRuntime(t);
    const sandbox = pod();
    const failed = await runtime.startContainer(sandbox, container('fails', sh('exit 3')));
    const killed = await runtime.startContainer(sandbox, container('killed', sh('kill -KILL $$')));
    const exits: string[] = [];
    const off = runtime.onExit((c) => exits.push(c.name));
    const a = await exited(runtime, failed.id);
    const b = await exited(runtime, killed.id);
    off();
    assert.deepEqual({ exitCode: a.exitCode, reason: a.reason }, { exitCode: 3, reason: 'Error' });
    assert.deepEqual({ exitCode: b.exitCode, reason: b.reason, signal: b.signal }, { exitCode: 137, reason: 'Error', signal: 'SIGKILL' });
    assert.deepEqual(exits.sort(), ['fails', 'killed']);
    assert.ok(a.finishedAt.getTime() >= a.startedAt.getTime());
  });

  it('stops with SIGTERM, and SIGKILLs the group of a process that ignores SIGTERM after the grace period', async (t) => {
    const { runtime } = newRuntime(t);
    const sandbox = pod();
    // Ignored signals stay ignored across exec, so the loop's sleeps ignore SIGTERM too.
    const stubborn = await runtime.startContainer(sandbox, container('stubborn', sh("trap '' TERM; echo started; while true; do sleep 0.1; done")));
    const polite = await runtime.startContainer(sandbox, container('polite', { image: 'tskube/pause' }));
    await waitUntil('the stubborn container to run its loop', async () => (await text(runtime.logs(stubborn.id, {}))).includes('started'));
    // Before its SIGTERM handler is installed a Node program dies of SIGTERM: wait for it.
    await waitUntil('pause to wait for SIGTERM', async () => (await text(runtime.logs(polite.id, {}))).includes('waiting'));
    await Promise.all([runtime.stopContainer(stubborn.id, 300), runtime.stopContainer(polite.id, 30_000)]);
    const s = runtime.inspect(stubborn.id)!.status;
    const p = runtime.inspect(polite.id)!.status;
    assert.equal(s.state, 'exited');
    assert.deepEqual(s.state === 'exited' && { exitCode: s.exitCode, signal: s.signal }, { exitCode: 137, signal: 'SIGKILL' });
    assert.deepEqual(p.state === 'exited' && { exitCode: p.exitCode, reason: p.reason }, { exitCode: 0, reason: 'Completed' });
    assert.equal(isSameProcessAlive(stubborn.pid!, undefined), false);
    // Stopping an exited container is a no-op; an unknown one is an error.
    await runtime.stopContainer(stubborn.id, 0);
    await assert.rejects(runtime.stopContainer('nope', 0), ContainerNotFoundError);
  });

  it('refuses an image it cannot run and a command that does not exist, with upstream\'s reasons', async (t) => {
    const { runtime } = newRuntime(t);
    const sandbox = pod();
    await assert.rejects(runtime.startContainer(sandbox, container('web', { image: 'nginx:1.25' })), (err: unknown) => {
      assert.ok(err instanceof ContainerStartError);
      assert.equal(err.reason, 'ErrImagePull');
      assert.match(err.message, /tskube cannot run image "nginx:1.25": it is not a built-in image \(tskube\/echo, tskube\/pause\) and the container has no command or args/);
      return true;
    });
    // A base image without an ENTRYPOINT: the args are the program.
    const shell = await runtime.startContainer(sandbox, container('shell', { image: 'busybox', args: ['sh', '-c', 'exit 7'] }));
    await eventually(() => runtime.inspect(shell.id)?.status.state === 'exited', 10_000, 'the args to run');
    const exited = runtime.inspect(shell.id)!.status;
    assert.equal(exited.state === 'exited' && exited.exitCode, 7);
    await assert.rejects(runtime.startContainer(sandbox, container('typo', { command: ['no-such-binary-tskube'] })), (err: unknown) => {
      assert.ok(err instanceof ContainerStartError);
      assert.equal(err.reason, 'RunContainerError');
      assert.match(err.message, /exec: "no-such-binary-tskube": executable file not found in \$PATH/);
      return true;
    });
    // Only the container that could start is known.
    assert.deepEqual((await runtime.listContainers()).map((c) => c.name), ['shell']);
  });
});

describe('process runtime: logs', () => {
  it('shows stdout and stderr with tail, since, timestamps and limitBytes', async (t) => {
    const { runtime, dataDir } = newRuntime(t);
    const c = await runtime.startContainer(pod(), container('logger', sh('for i in 1 2 3 4; do echo "out $i"; done; echo "err 5" >&2; sleep 0.3; printf "no newline"')));
    await exited(runtime, c.id);
    assert.equal(await text(runtime.logs(c.id, {})), 'out 1\nout 2\nout 3\nout 4\nerr 5\nno newline\n');
    assert.equal(await text(runtime.logs(c.id, { tailLines: 2 })), 'err 5\nno newline\n');
    assert.equal(await text(runtime.logs(c.id, { tailLines: 0 })), '');
    assert.equal(await text(runtime.logs(c.id, { limitBytes: 8 })), 'out 1\nou');
    assert.equal(await text(runtime.logs(c.id, { since: new Date(Date.now() + 60_000) })), '');
    assert.equal(await text(runtime.logs(c.id, { since: new Date(Date.now() - 60_000), tailLines: 1 })), 'no newline\n');
    const stamped = (await text(runtime.logs(c.id, { timestamps: true, tailLines: 3 }))).trimEnd().split('\n');
    assert.equal(stamped.length, 3);
    for (const line of stamped) assert.match(line, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z (out 4|err 5|no newline)$/);
    const file = readFileSync(join(dataDir, 'pods', c.podUid, 'logs/logger/0.log'), 'utf8');
    assert.match(file, /^\S+ stdout F out 1\n/);
    assert.match(file, /\n\S+ stderr F err 5\n/);
  });

  it('follows a running container until it exits, and until the signal aborts', async (t) => {
    const { runtime } = newRuntime(t);
    const sandbox = pod();
    const c = await runtime.startContainer(sandbox, container('ticker', sh('echo first; sleep 0.3; echo second; sleep 0.3; echo third')));
    assert.equal(await text(runtime.logs(c.id, { follow: true })), 'first\nsecond\nthird\n');
    assert.equal(runtime.inspect(c.id)?.status.state, 'exited');

    const pause = await runtime.startContainer(sandbox, container('quiet', sh('echo hello; exec sleep 300')));
    const abort = new AbortController();
    const lines: string[] = [];
    for await (const chunk of runtime.logs(pause.id, { follow: true, signal: abort.signal })) {
      lines.push(chunk.toString());
      abort.abort();
    }
    assert.deepEqual(lines, ['hello\n']);
    assert.equal(runtime.inspect(pause.id)?.status.state, 'running');
  });

  it('keeps each restart\'s log by its container id and refuses unknown ids', async (t) => {
    const { runtime } = newRuntime(t);
    const sandbox = pod();
    const first = await runtime.startContainer(sandbox, container('app', { ...sh('echo run 0'), restartCount: 0 }));
    await exited(runtime, first.id);
    const second = await runtime.startContainer(sandbox, container('app', { ...sh('echo run 1'), restartCount: 1 }));
    await exited(runtime, second.id);
    await runtime.removeContainer(first.id);
    assert.equal(runtime.inspect(first.id), undefined);
    assert.equal(await text(runtime.logs(first.id, {})), 'run 0\n');
    assert.equal(await text(runtime.logs(second.id, {})), 'run 1\n');
    await assert.rejects(text(runtime.logs('unknown', {})), ContainerNotFoundError);
  });
});

describe('process runtime: exec and usage', () => {
  it('runs commands in the container\'s environment, kills them on timeout, streams them live', async (t) => {
    const { runtime } = newRuntime(t);
    const c = await runtime.startContainer(pod(), container('app', { command: ['sleep', '300'], env: { MODE: 'test' }, workingDir: '/work' }));
    const res = await runtime.exec(c.id, ['sh', '-c', 'echo "$MODE"; pwd; echo oops >&2; exit 4'], { timeoutMs: 10_000 });
    assert.equal(res.exitCode, 4);
    assert.equal(res.timedOut, false);
    const [mode, cwd] = res.stdout.toString().trim().split('\n');
    assert.equal(mode, 'test');
    assert.match(cwd!, /\/rootfs\/app\/work$/);
    assert.equal(res.stderr.toString(), 'oops\n');

    const input = await runtime.exec(c.id, ['cat'], { timeoutMs: 10_000, stdin: Buffer.from('piped') });
    assert.equal(input.stdout.toString(), 'piped');

    const slow = await runtime.exec(c.id, ['sh', '-c', 'echo before; sleep 30'], { timeoutMs: 300 });
    assert.equal(slow.timedOut, true);
    assert.equal(slow.exitCode, 137);
    assert.equal(slow.stdout.toString(), 'before\n');

    const session = runtime.execStream(c.id, ['sh', '-c', 'read line; echo "got $line"']);
    const out = new Promise<string>((resolve) => {
      let acc = '';
      session.stdout.on('data', (d: Buffer) => (acc += d.toString()));
      session.stdout.on('end', () => resolve(acc));
    });
    session.stdin.end('ping\n');
    assert.equal(await session.exited, 0);
    assert.equal(await out, 'got ping\n');

    const usage = await runtime.usage(c.id);
    assert.ok(usage && usage.memoryWorkingSetBytes > 0 && usage.cpuUsageNanoSeconds >= 0);

    await runtime.stopContainer(c.id, 0);
    await assert.rejects(runtime.exec(c.id, ['true'], { timeoutMs: 1_000 }), ContainerNotRunningError);
    assert.equal(await runtime.usage(c.id), undefined);
  });
});

/** Everything a stream gives until it ends. */
function collect(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let acc = '';
    stream.on('data', (d: Buffer) => (acc += d.toString()));
    stream.once('end', () => resolve(acc));
    stream.once('error', reject);
  });
}

describe('process runtime: attach', () => {
  it('shows output from the attach moment on, and stdinOnce closes stdin when the first session ends its input', async (t) => {
    const { runtime } = newRuntime(t);
    const c = await runtime.startContainer(
      pod(),
      container('cat', { ...sh('echo before; read go; echo "go=$go"; cat; echo "eof" >&2'), stdin: true, stdinOnce: true }),
    );
    await waitUntil('the first line in the log', async () => (await text(runtime.logs(c.id, {}))) === 'before\n');
    const a = runtime.attach(c.id, { stdin: true });
    const b = runtime.attach(c.id, { stdin: false });
    assert.equal(b.stdin, undefined, 'a session that did not ask for stdin gets none');
    const [aOut, aErr, bOut] = [collect(a.stdout), collect(a.stderr), collect(b.stdout)];
    a.stdin!.write('1\n');
    a.stdin!.end('x\ny\n');
    assert.equal(await aOut, 'go=1\nx\ny\n', 'nothing written before attaching, everything after');
    assert.equal(await aErr, 'eof\n');
    assert.equal(await bOut, 'go=1\nx\ny\n', 'every session sees the output');
    assert.equal((await exited(runtime, c.id)).exitCode, 0);
    assert.throws(() => runtime.attach(c.id, { stdin: true }), ContainerNotRunningError);
  });

  it('without stdinOnce, a session ending its input detaches and stdin stays open for the next', async (t) => {
    const { runtime } = newRuntime(t);
    const c = await runtime.startContainer(pod(), container('reader', { ...sh('while read l; do echo "got $l"; done'), stdin: true }));
    const first = runtime.attach(c.id, { stdin: true });
    let seen = '';
    first.stdout.on('data', (d: Buffer) => (seen += d.toString()));
    const firstOut = collect(first.stdout);
    first.stdin!.write('one\n');
    await waitUntil('the answer to the first session', () => seen === 'got one\n');
    // The client's EOF: the session ends, the container does not.
    first.stdin!.end();
    assert.equal(await firstOut, 'got one\n');
    const second = runtime.attach(c.id, { stdin: true });
    const secondOut = collect(second.stdout);
    second.stdin!.write('two\n');
    await waitUntil('the second line in the log', async () => (await text(runtime.logs(c.id, {}))) === 'got one\ngot two\n');
    assert.equal(runtime.inspect(c.id)?.status.state, 'running');
    second.detach();
    assert.equal(await secondOut, 'got two\n');
  });

  it('gives a container without spec.stdin /dev/null and attach sessions no stdin', async (t) => {
    const { runtime } = newRuntime(t);
    const c = await runtime.startContainer(pod(), container('nostdin', sh('cat; echo "cat done"; sleep 300')));
    await waitUntil('cat to read EOF from /dev/null', async () => (await text(runtime.logs(c.id, {}))) === 'cat done\n');
    const session = runtime.attach(c.id, { stdin: true });
    assert.equal(session.stdin, undefined);
    const out = collect(session.stdout);
    await runtime.stopContainer(c.id, 0);
    assert.equal(await out, '', 'the session ends when the container exits');
  });
});

describe('process runtime: built-in images', () => {
  it('tskube/echo answers on the pod IP, fails readiness on request, and shuts down gracefully on SIGTERM', async (t) => {
    const { runtime } = newRuntime(t);
    const sandbox = pod();
    const echo = await runtime.startContainer(sandbox, container('echo', { image: 'docker.io/tskube/echo:1.0', env: { PORT: '8080', MESSAGE: 'v1' } }));
    const base = `http://${sandbox.podIP}:8080`;
    await waitUntil('echo to be ready', async () => (await get(`${base}/readyz`))?.status === 200);
    const answer = JSON.parse((await get(`${base}/some/path`))!.body) as Record<string, unknown>;
    assert.deepEqual(
      { pod: answer.pod, namespace: answer.namespace, node: answer.node, zone: answer.zone, message: answer.message },
      { pod: sandbox.name, namespace: 'default', node: 'node-a', zone: 'zone-1', message: 'v1' },
    );
    assert.equal((answer.request as { path: string }).path, '/some/path');
    assert.equal((await get(`${base}/healthz`))?.status, 200);

    // A request in flight when SIGTERM arrives is answered; then the server exits 0.
    // (A delayed answer's headers come at once: once fetch resolves, the request is in flight.)
    const inFlight = await fetch(`${base}/slow?delayMs=1000`);
    const stopped = runtime.stopContainer(echo.id, 30_000);
    const body = JSON.parse(await inFlight.text()) as { request: { path: string } };
    assert.equal(inFlight.status, 200);
    assert.equal(body.request.path, '/slow?delayMs=1000');
    await stopped;
    const status = runtime.inspect(echo.id)!.status;
    assert.deepEqual(status.state === 'exited' && [status.exitCode, status.reason], [0, 'Completed']);
    assert.equal(await get(`${base}/`), undefined, 'nothing listens once it exited');
    const logs = await text(runtime.logs(echo.id, {}));
    assert.match(logs, /"GET \/some\/path HTTP\/1.1" 200/);
    assert.match(logs, /"GET \/slow\?delayMs=1000 HTTP\/1.1" 200/);
    assert.match(logs, /received SIGTERM, shutting down gracefully/);

    const unready = await runtime.startContainer(sandbox, container('unready', { image: 'tskube/echo', env: { PORT: '8081', FAIL_READINESS: 'true' } }));
    await waitUntil('the unready echo to listen', async () => (await get(`http://${sandbox.podIP}:8081/healthz`))?.status === 200);
    assert.equal((await get(`http://${sandbox.podIP}:8081/readyz`))?.status, 503);
    await runtime.stopContainer(unready.id, 30_000);

    const crasher = await runtime.startContainer(sandbox, container('crasher', { image: 'tskube/echo', env: { PORT: '8082', EXIT_AFTER_SECONDS: '0', EXIT_CODE: '3' } }));
    const crashed = await exited(runtime, crasher.id);
    assert.deepEqual([crashed.exitCode, crashed.reason], [3, 'Error']);
  });

  it('tskube/pause sleeps until SIGTERM and exits 0', async (t) => {
    const { runtime } = newRuntime(t);
    const c = await runtime.startContainer(pod(), container('pause', { image: 'tskube/pause:3.9' }));
    assert.equal(await text(runtime.logs(c.id, { follow: true, limitBytes: 7 })), 'tskube/');
    assert.equal(runtime.inspect(c.id)?.status.state, 'running');
    await runtime.stopContainer(c.id, 30_000);
    const status = runtime.inspect(c.id)!.status;
    assert.deepEqual(status.state === 'exited' && [status.exitCode, status.signal], [0, undefined]);
  });
});

describe('process runtime: node agent lifecycle', () => {
  it('kills containers when the node agent is SIGKILLed, and the next agent lists them as exited', async (t) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tskube-prt-crash-'));
    const agent = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures/agent-with-containers.ts'), dataDir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const pids: number[] = [];
    t.after(() => {
      agent.kill('SIGKILL');
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Gone, as it should be.
        }
      }
    });
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: agent.stdout! }).once('line', resolve);
      agent.once('exit', (code) => reject(new Error(`fixture exited with ${code}`)));
    });
    const started = JSON.parse(line) as { sleeper: number; shell: number; shellChild: number };
    pids.push(started.sleeper, started.shell, started.shellChild);
    const childStart = readProcStat(started.shellChild)?.startTime;
    assert.ok(isSameProcessAlive(started.sleeper, undefined) && isSameProcessAlive(started.shellChild, undefined));

    agent.kill('SIGKILL');
    await waitUntil('the containers\' main processes to die with the agent', () =>
      !isSameProcessAlive(started.sleeper, undefined) && !isSameProcessAlive(started.shell, undefined), 10_000);

    // The shell's background child did not get pdeathsig; the next agent run ends it.
    const { runtime } = newRuntime(t, dataDir);
    const listed = await runtime.listContainers();
    assert.deepEqual(listed.map((c) => c.name).sort(), ['shell', 'sleeper']);
    for (const c of listed) {
      assert.equal(c.status.state, 'exited');
      assert.deepEqual(c.status.state === 'exited' && [c.status.exitCode, c.status.signal], [137, 'SIGKILL']);
      assert.equal(c.pid, undefined);
    }
    await waitUntil('the orphaned grandchild to be killed', () => !isSameProcessAlive(started.shellChild, childStart), 10_000);
  });

  it('close() and removeSandbox() leave no process running', async (t) => {
    const { runtime, dataDir } = newRuntime(t);
    const a = pod();
    const b = pod();
    const inA = await runtime.startContainer(a, container('a', sh('sleep 300 & sleep 300')));
    const inB = await runtime.startContainer(b, container('b', { command: ['sleep', '300'] }));
    await runtime.removeSandbox(a.uid);
    assert.equal(isSameProcessAlive(inA.pid!, undefined), false);
    assert.throws(() => statSync(join(dataDir, 'pods', a.uid)));
    assert.equal(runtime.inspect(inA.id), undefined);
    await runtime.close();
    assert.equal(isSameProcessAlive(inB.pid!, undefined), false);
    assert.equal(runtime.inspect(inB.id)?.status.state, 'exited');

    // A new runtime on the same data dir still lists the exited container of the other pod.
    const { runtime: again } = newRuntime(t, dataDir);
    assert.deepEqual((await again.listContainers()).map((c) => [c.name, c.status.state]), [['b', 'exited']]);
  });
});

describe('process runtime: netns pods (root)', () => {
  const skip = process.getuid?.() !== 0 ? 'needs root' : netnsUnsupportedReason();

  it('runs in the pod\'s network namespace with volumes bind-mounted at their real mountPath', { skip }, async (t) => {
    const lab = await createNetnsLab();
    t.after(() => lab.close());
    const { runtime } = newRuntime(t);
    const root = join(tmpdir(), `tskube-prt-mounts-${process.pid}-${++podCounter}`);
    t.after(() => rmSync(root, { recursive: true, force: true }));
    const sandbox = pod({ netns: lab.name, podIP: lab.namespaceAddress });
    const mounts = [
      { name: 'config', mountPath: `${root}/config`, readOnly: true, files: [{ path: 'key', content: 'from-configmap\n' }] },
      { name: 'data', mountPath: `${root}/data`, files: [] },
    ];
    const c = await runtime.startContainer(sandbox, container('app', {
      ...sh(`cat ${root}/config/key; echo written > ${root}/data/file; touch ${root}/config/new 2>/dev/null || echo read-only; pwd; ip -o -4 addr show | grep -c ${lab.namespaceAddress}; exec sleep 300`),
      workingDir: `${root}/data`,
      mounts,
    }));
    await waitUntil('the container to print its checks', async () => (await text(runtime.logs(c.id, {}))).split('\n').length > 4);
    assert.equal(await text(runtime.logs(c.id, {})), `from-configmap\nread-only\n${root}/data\n1\n`);
    // The mounts exist only in the container's mount namespace; exec joins it.
    const res = await runtime.exec(c.id, ['sh', '-c', `cat ${root}/data/file; pwd`], { timeoutMs: 10_000 });
    assert.equal(res.stdout.toString(), `written\n${root}/data\n`);
    assert.throws(() => readFileSync(`${root}/config/key`), /ENOENT/);

    const echo = await runtime.startContainer(sandbox, container('echo', { image: 'tskube/echo' }));
    await waitUntil('echo to answer in the namespace', async () => (await get(`http://${lab.namespaceAddress}:8080/readyz`))?.status === 200);
    const answer = JSON.parse((await get(`http://${lab.namespaceAddress}:8080/`))!.body) as { podIP: string; request: { remoteAddress: string } };
    assert.equal(answer.podIP, lab.namespaceAddress);
    assert.equal(answer.request.remoteAddress, lab.hostAddress);
    await runtime.removeSandbox(sandbox.uid);
    assert.equal(isSameProcessAlive(c.pid!, undefined), false);
    assert.equal(isSameProcessAlive(echo.pid!, undefined), false);
  });
});

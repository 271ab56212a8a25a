/**
 * @module test/support/apiserver
 *
 * Starts a real tskube API server (HTTPS, HTTP/2, real certificates) on a free loopback port over
 * the engine a test asks for, with a kubeconfig, and runs the installed kubectl against it with a
 * private HOME so kubectl's discovery cache never leaks between tests.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiServer, type RunningApiServer } from '../../src/apiserver/start.js';
import { runKubectl } from './kubectl.js';
import type { KV } from '../../src/storage/interface.js';
import { MemoryKV } from '../../src/storage/memory/memory-kv.js';

export interface TestCluster {
  readonly api: RunningApiServer;
  readonly kv: KV;
  readonly dataDir: string;
  /**
   * Runs kubectl to completion; never throws for a non-zero exit. Asynchronous on purpose: the
   * API server runs in this process and must keep serving while kubectl waits for it.
   */
  kubectl(args: readonly string[], input?: string): Promise<{ status: number | null; stdout: string; stderr: string }>;
  /** Runs kubectl in the background (for -w); the returned stop() kills it and returns its output. */
  kubectlBackground(args: readonly string[]): { stop(): Promise<string>; output(): string };
  close(): Promise<void>;
}

export async function startTestCluster(options: { kv?: KV } = {}): Promise<TestCluster> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tskube-api-'));
  const home = join(dataDir, 'home');
  const kv = options.kv ?? new MemoryKV();
  const api = await startApiServer({ kv, dataDir, host: '127.0.0.1', port: 0 });
  const env = { ...process.env, HOME: home, KUBECONFIG: api.kubeconfigPath };
  return {
    api,
    kv,
    dataDir,
    kubectl: (args, input) => runKubectl(args, { env, ...(input !== undefined && { input }) }),
    kubectlBackground(args) {
      const child = spawn('kubectl', [...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise((resolve) => child.once('exit', resolve));
      return {
        output: () => out,
        async stop() {
          child.kill('SIGKILL');
          await exited;
          return out;
        },
      };
    },
    async close() {
      await api.close();
      await kv.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it returns true, at most `timeoutMs`. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

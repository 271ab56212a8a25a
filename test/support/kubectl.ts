/**
 * @module test/support/kubectl
 *
 * Runs the installed kubectl to completion, asynchronously — the API server under test often runs
 * in the test's own process and must keep serving while kubectl waits for it — with a bound on
 * its time. Never throws for a non-zero exit: tests assert on status and output.
 */
import { spawn } from 'node:child_process';

export interface KubectlResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface KubectlOptions {
  /** The environment (KUBECONFIG, and a private HOME so discovery caches never leak between tests). */
  readonly env: NodeJS.ProcessEnv;
  readonly input?: string;
  /** Killed after this long (default 60 s). */
  readonly timeoutMs?: number;
}

export function runKubectl(args: readonly string[], options: KubectlOptions): Promise<KubectlResult> {
  return new Promise((resolve) => {
    const child = spawn('kubectl', [...args], { env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
    // kubectl may exit before reading its input: that must not crash the test with EPIPE.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}

/**
 * @module bench/pods-scheduler
 *
 * Child process of the pods benchmark: the scheduler (src/scheduler) with its default profile,
 * for the pods whose spec.schedulerName is argv[3] (the benchmark's pending pods name a scheduler
 * that only exists once the clock starts). argv[2] is the kubeconfig.
 */
import { loadKubeconfig, RestClient } from '../src/client/index.js';
import { createLogger } from '../src/log.js';
import { Scheduler } from '../src/scheduler/scheduler.js';
import { runEntry, tellDriver } from './children.js';

runEntry(async () => {
  const [kubeconfig, schedulerName] = process.argv.slice(2);
  if (!kubeconfig || !schedulerName) throw new Error('usage: pods-scheduler.ts KUBECONFIG SCHEDULER_NAME');
  const config = await loadKubeconfig({ path: kubeconfig });
  const log = createLogger('bench-scheduler');
  const client = new RestClient({ config, log, userAgent: 'tskube-bench-scheduler' });
  const stop = new AbortController();
  const running = new Scheduler({ client, log, schedulerName }).run(stop.signal);
  process.once('SIGTERM', () => {
    stop.abort();
    void running.finally(() => {
      client.close();
      process.exit(0);
    });
  });
  await tellDriver({ type: 'ready', url: config.server });
});

/**
 * @module bench/index
 *
 * `npm run bench -- <suite> [--json FILE] [--seconds N]`: runs one benchmark suite (or all) and
 * prints a table whose ratios compare against a baseline measured in the same run.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { Command } from 'commander';
import { parsePositiveInt } from '../src/cli/parse.js';
import { runApiServerBench } from './apiserver.js';
import { runHeartbeatsBench } from './heartbeats.js';
import { runPodsBench } from './pods.js';
import { runProxyBench } from './proxy.js';
import { runStorageBench } from './storage.js';

const suites: Record<string, (seconds: number) => Promise<Record<string, unknown>>> = {
  storage: (seconds) => runStorageBench({ seconds, listKeys: 10_000 }),
  apiserver: (seconds) => runApiServerBench({ seconds }),
  heartbeats: (seconds) => runHeartbeatsBench({ seconds }),
  proxy: (seconds) => runProxyBench({ seconds }),
  pods: (seconds) => runPodsBench({ seconds }),
};

const program = new Command('bench')
  .argument('[suite]', `one of: ${Object.keys(suites).join(', ')} (default: all)`)
  .option('--json <file>', 'also write every figure to this JSON file')
  .option('--seconds <n>', 'length of each timed phase', parsePositiveInt, 5)
  .action(async (suite: string | undefined, options: { json?: string; seconds: number }) => {
    const names = suite ? [suite] : Object.keys(suites);
    const unknown = names.filter((n) => !(n in suites));
    if (unknown.length > 0) program.error(`error: unknown suite ${unknown.join(', ')}; use one of ${Object.keys(suites).join(', ')}`);
    const figures: Record<string, unknown> = {
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version },
    };
    for (const name of names) Object.assign(figures, { [name]: await suites[name]!(options.seconds) });
    // The headline figures at the top level, as the issues name them.
    const storage = figures.storage as Record<string, unknown> | undefined;
    if (storage) figures.sqliteToEtcdWriteRatio = storage.sqliteToEtcdWriteRatio;
    const apiserver = figures.apiserver as Record<string, unknown> | undefined;
    if (apiserver) {
      for (const key of ['leasePutToBareRatio', 'leasePutP99Ms', 'list100kPodsSeconds', 'watchDeliveryP99Ms']) figures[key] = apiserver[key];
    }
    const heartbeats = figures.heartbeats as Record<string, unknown> | undefined;
    if (heartbeats) {
      for (const key of ['heartbeats10kNotReady', 'heartbeats10kP99Ms', 'heartbeats10kPerSecond']) figures[key] = heartbeats[key];
    }
    if (options.json) writeFileSync(options.json, `${JSON.stringify(figures, null, 2)}\n`);
  });

await program.parseAsync(process.argv);

/**
 * @module cli/doctor
 *
 * `tskube doctor`: judges heartbeat and node-lifecycle settings before anything runs. It exits 1
 * naming the setting when a configuration cannot work (seed 002's 10 s grace period with 10 s
 * heartbeats), and prints warnings for settings upstream accepts but that fail under ordinary
 * trouble. The components run the same check at start-up.
 */
import { Command } from 'commander';
import { checkTiming } from '../controllers/nodelifecycle/config.js';
import { addHeartbeatFlags, addLifecycleFlags, heartbeatTiming, lifecycleConfig, type HeartbeatFlags, type LifecycleFlags } from './lifecycle-flags.js';

export function doctorCommand(): Command {
  const command = new Command('doctor').description('check heartbeat and node-lifecycle settings for ones that cannot work');
  addLifecycleFlags(command);
  addHeartbeatFlags(command);
  return command.action((flags: LifecycleFlags & HeartbeatFlags) => {
    const findings = checkTiming(lifecycleConfig(flags), heartbeatTiming(flags));
    for (const f of findings) process.stderr.write(`${f.severity}: ${f.message}\n`);
    if (findings.some((f) => f.severity === 'error')) process.exit(1);
    process.stdout.write(findings.length === 0 ? 'tskube doctor: the settings are sound.\n' : 'tskube doctor: the settings work, with the warnings above.\n');
  });
}

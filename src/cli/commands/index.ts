/**
 * Every sub-command of `simulacra-pipeline`, by name. Each command lives in its own module in
 * this folder and exports a {@link CliCommand}; add it here to make it reachable.
 */
import type { CliCommand } from '../command.ts';
import { claimCommand } from './claim.ts';
import { demoCommand } from './demo.ts';
import { localCommand } from './local-up.ts';
import { runCommand } from './run.ts';
import { redriveCommand } from './redrive.ts';
import { runsCommand } from './runs.ts';
import { signupCommand } from './signup.ts';
import { simulatorCommand } from './simulator.ts';
import { statusCommand } from './status.ts';

export const commands: Readonly<Record<string, CliCommand>> = {
  signup: signupCommand,
  status: statusCommand,
  claim: claimCommand,
  simulator: simulatorCommand,
  demo: demoCommand,
  run: runCommand,
  runs: runsCommand,
  redrive: redriveCommand,
  local: localCommand,
};

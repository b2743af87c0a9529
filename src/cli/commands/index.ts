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
import { rotateCommand } from './rotate.ts';
import { runStatusCommand } from './run-status.ts';
import { statusCommand as signupStatusCommand } from './status.ts';

/** `signup` submits a request; `signup status` shows (or waits for) its decision. */
const signupWithStatus: CliCommand = {
  summary: `${signupCommand.summary}; \`signup status\` shows (or --wait for) the decision`,
  run: (args) => (args[0] === 'status' ? signupStatusCommand.run(args.slice(1)) : signupCommand.run(args)),
};

export const commands: Readonly<Record<string, CliCommand>> = {
  signup: signupWithStatus,
  status: runStatusCommand,
  rotate: rotateCommand,
  claim: claimCommand,
  simulator: simulatorCommand,
  demo: demoCommand,
  run: runCommand,
  runs: runsCommand,
  redrive: redriveCommand,
  local: localCommand,
};

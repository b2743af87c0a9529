/**
 * `signup status`: shows where a signup request stands; `--wait` polls with jittered backoff until it is
 * approved or declined, or the deadline passes.
 */
import type { CliCommand } from '../command.ts';
import type { OnboardingCliDeps } from '../credential-support.ts';
import {
  API_BASE_OPTION,
  ExitCode,
  HELP_OPTION,
  WAIT_OPTIONS,
  defineOnboardingCommand,
  describeSignup,
  parseApiBase,
  parseDuration,
} from '../credential-support.ts';
import {
  assertSignupRequestId,
  isSignupDecided,
  waitForSignupDecision,
} from '../../credentials/onboarding.ts';

const spec = {
  'request-id': {
    type: 'string',
    env: 'SIMULACRA_REQUEST_ID',
    required: true,
    help: 'Signup request id (req_...)',
  },
  'api-base': API_BASE_OPTION,
  ...WAIT_OPTIONS,
  help: HELP_OPTION,
} as const;

/** Builds the command; tests pass their own dependencies. */
export function createStatusCommand(overrides: Partial<OnboardingCliDeps> = {}): CliCommand {
  return defineOnboardingCommand(
    {
      summary: 'Show (or --wait for) the decision on a signup request',
      usage: 'simulacra-pipeline signup status --request-id ID --api-base URL [--wait] [--deadline 30m]',
      spec,
      async run(options, deps) {
        const requestId = options['request-id'] ?? '';
        assertSignupRequestId(requestId);
        const apiBase = parseApiBase(options['api-base'] ?? '');
        const deadlineMs = parseDuration(options.deadline ?? '30m', 'deadline');
        const api = deps.api(apiBase);
        if (!options.wait) {
          const request = await api.getSignupRequest(requestId);
          describeSignup(request, deps);
          return request.status === 'declined' ? ExitCode.declined : ExitCode.ok;
        }
        let lastStatus: string | null = null;
        const decided = await waitForSignupDecision(api, requestId, {
          deadlineMs,
          ...(deps.sleep ? { sleep: deps.sleep } : {}),
          onPoll: (request) => {
            if (request.status !== lastStatus && !isSignupDecided(request)) {
              deps.stdout(`status: ${request.status} (polling for up to ${options.deadline})`);
            }
            lastStatus = request.status;
          },
        });
        describeSignup(decided, deps);
        return ExitCode.ok;
      },
    },
    overrides,
  );
}

/** The `status` command. */
export const statusCommand: CliCommand = createStatusCommand();

/**
 * `signup`: submits the request for API access (resumable: the vendor answers with the existing
 * request for an email that already has one) and prints the request id; `--wait` then polls
 * until Simulacra decides.
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
import { submitSignup, waitForSignupDecision } from '../../credentials/onboarding.ts';

const spec = {
  company: { type: 'string', env: 'SIMULACRA_COMPANY', required: true, help: 'Company name (1-256 chars)' },
  email: { type: 'string', env: 'SIMULACRA_EMAIL', required: true, help: 'Contact email' },
  'api-base': API_BASE_OPTION,
  ...WAIT_OPTIONS,
  help: HELP_OPTION,
} as const;

/** Builds the command; tests pass their own dependencies. */
export function createSignupCommand(overrides: Partial<OnboardingCliDeps> = {}): CliCommand {
  return defineOnboardingCommand(
    {
      summary: 'Request API access from Simulacra (prints the signup request id)',
      usage: 'simulacra-pipeline signup --company NAME --email EMAIL --api-base URL [--wait]',
      spec,
      async run(options, deps) {
        const apiBase = parseApiBase(options['api-base'] ?? '');
        const deadlineMs = parseDuration(options.deadline ?? '30m', 'deadline');
        const api = deps.api(apiBase);
        const request = await submitSignup(api, {
          companyName: options.company ?? '',
          contactEmail: options.email ?? '',
        });
        deps.stdout(
          request.meta.httpStatus === 200
            ? `This email already has an access request; resuming it.`
            : `Access request submitted. Keep the request id to check on it later.`,
        );
        describeSignup(request, deps);
        if (!options.wait || request.status === 'approved' || request.status === 'declined') {
          return request.status === 'declined' ? ExitCode.declined : ExitCode.ok;
        }
        deps.stdout(`Waiting up to ${options.deadline} for a decision...`);
        const decided = await waitForSignupDecision(api, request.request_id, {
          deadlineMs,
          ...(deps.sleep ? { sleep: deps.sleep } : {}),
        });
        describeSignup(decided, deps);
        return ExitCode.ok;
      },
    },
    overrides,
  );
}

/** The `signup` command. */
export const signupCommand: CliCommand = createSignupCommand();

/**
 * `claim`: once the signup is approved, claims the one-time credential and writes it straight
 * into a Secrets Manager secret (never printing the secret or the claim token), then proves it
 * by minting one token.
 */
import type { CliCommand } from '../command.ts';
import type { OnboardingCliDeps } from '../credential-support.ts';
import {
  API_BASE_OPTION,
  ExitCode,
  HELP_OPTION,
  defineOnboardingCommand,
  isoTime,
  parseApiBase,
} from '../credential-support.ts';
import { claimIntoSecret } from '../../credentials/claim-into-secret.ts';

const spec = {
  'request-id': {
    type: 'string',
    env: 'SIMULACRA_REQUEST_ID',
    required: true,
    help: 'Approved signup request id (req_...)',
  },
  'secret-id': {
    type: 'string',
    env: 'SIMULACRA_SECRET_ID',
    required: true,
    help: 'Secrets Manager secret name or ARN',
  },
  'api-base': API_BASE_OPTION,
  'token-url': {
    type: 'string',
    env: 'SIMULACRA_TOKEN_URL',
    help: 'Token endpoint, if the claim does not name one',
  },
  audience: {
    type: 'string',
    env: 'SIMULACRA_AUTH0_AUDIENCE',
    help: 'Token audience, if the claim does not name one',
  },
  create: {
    type: 'boolean',
    env: 'SIMULACRA_CREATE_SECRET',
    help: 'Create the secret (by name) if it does not exist',
  },
  'kms-key-id': {
    type: 'string',
    env: 'SIMULACRA_KMS_KEY_ID',
    help: 'KMS key for a secret created with --create',
  },
  help: HELP_OPTION,
} as const;

/** Builds the command; tests pass their own dependencies. */
export function createClaimCommand(overrides: Partial<OnboardingCliDeps> = {}): CliCommand {
  return defineOnboardingCommand(
    {
      summary: 'Claim the approved credential into a Secrets Manager secret and verify it',
      usage:
        'simulacra-pipeline claim --request-id ID --secret-id ARN_OR_NAME --api-base URL [--token-url URL] [--audience AUD] [--create]',
      spec,
      async run(options, deps) {
        const apiBase = parseApiBase(options['api-base'] ?? '');
        const result = await claimIntoSecret({
          api: deps.api(apiBase),
          secretsManager: deps.secretsManager(),
          requestId: options['request-id'] ?? '',
          secretId: options['secret-id'] ?? '',
          create: options.create,
          kmsKeyId: options['kms-key-id'],
          defaults: { api_base: apiBase, token_url: options['token-url'], audience: options.audience },
          verify: deps.verify,
        });
        deps.stdout(
          `Credential stored in ${result.created ? 'new ' : ''}secret ${result.secretArn}${
            result.versionId ? ` (version ${result.versionId})` : ''
          }.`,
        );
        deps.stdout(
          `credential verified: client_id ${result.clientId}, token expires ${isoTime(result.check.tokenExpiresAt)}`,
        );
        return ExitCode.ok;
      },
    },
    overrides,
  );
}

/** The `claim` command. */
export const claimCommand: CliCommand = createClaimCommand();

/**
 * `rotate`: rotates the vendor credential in its Secrets Manager secret now, the same rotation the
 * construct's rotation function performs (`src/credentials/rotation.ts`). When the secret has a
 * rotation function attached (`credentialsRotation`), Secrets Manager runs it (`RotateSecret`) and
 * the command waits for the new version to become AWSCURRENT; otherwise the steps run here.
 * Never prints the secret or the claim token. Simulacra allows 3 rotations per 24 h per client.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { parseOrExit, type CliCommand } from '../command.ts';

export const ROTATE_USAGE = `Usage: simulacra-pipeline rotate --secret-id ARN_OR_NAME [--region REGION] [--endpoint-url URL]
                                [--deadline 5m]

  --secret-id          the credential secret (default: $SIMULACRA_SECRET_ID)
  --region REGION      AWS region (default: the SDK's, e.g. $AWS_REGION)
  --endpoint-url URL   another Secrets Manager endpoint, e.g. the local stack's (default: $AWS_ENDPOINT_URL)
  --deadline 5m        how long to wait for a rotation function to finish (s, m or h)`;

export interface RotateCommandDeps {
  readonly secretsManager?: (options: {
    region?: string;
    endpoint?: string;
  }) => Promise<SecretsManagerClient>;
  readonly stdout?: (text: string) => void;
  readonly stderr?: (text: string) => void;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly sleep?: (ms: number) => Promise<void>;
}

async function defaultSecretsManager(options: { region?: string; endpoint?: string }) {
  const { SecretsManagerClient: Client } = await import('@aws-sdk/client-secrets-manager');
  return new Client(options);
}

function deadlineMs(text: string): number | null {
  const match = /^(\d+)([smh])$/.exec(text);
  if (!match) return null;
  return Number(match[1]) * { s: 1_000, m: 60_000, h: 3_600_000 }[match[2] as 's' | 'm' | 'h'];
}

/** Builds the command; tests pass their own dependencies. */
export function createRotateCommand(deps: RotateCommandDeps = {}): CliCommand {
  const stdout = deps.stdout ?? ((text: string) => console.log(text));
  const stderr = deps.stderr ?? ((text: string) => console.error(text));
  const env = deps.env ?? process.env;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  return {
    summary: 'rotate the vendor credential now (what the rotation function does)',
    async run(args) {
      const parsed = parseOrExit(ROTATE_USAGE, () =>
        parseArgs({
          args,
          options: {
            'secret-id': { type: 'string' },
            region: { type: 'string' },
            'endpoint-url': { type: 'string' },
            deadline: { type: 'string' },
            help: { type: 'boolean' },
          },
          strict: true,
        }),
      );
      if ('exitCode' in parsed) return parsed.exitCode;
      const { values } = parsed;
      const secretId = values['secret-id'] ?? env.SIMULACRA_SECRET_ID;
      const wait = deadlineMs(values.deadline ?? '5m');
      const problems: string[] = [];
      if (!secretId) problems.push('--secret-id ARN_OR_NAME (or $SIMULACRA_SECRET_ID) is required');
      if (wait === null) problems.push('--deadline must be a whole number of s, m or h, e.g. 5m');
      if (problems.length > 0) {
        stderr(`${problems.join('\n')}\n\n${ROTATE_USAGE}`);
        return 2;
      }
      const endpoint = values['endpoint-url'] ?? env.AWS_ENDPOINT_URL;
      const client = await (deps.secretsManager ?? defaultSecretsManager)({
        ...(values.region ? { region: values.region } : {}),
        ...(endpoint ? { endpoint } : {}),
      });
      const sdk = await import('@aws-sdk/client-secrets-manager');
      const metadata = await client.send(new sdk.DescribeSecretCommand({ SecretId: secretId }));
      const token = randomUUID();
      if (metadata.RotationEnabled && metadata.RotationLambdaARN) {
        await client.send(
          new sdk.RotateSecretCommand({
            SecretId: secretId,
            ClientRequestToken: token,
            RotateImmediately: true,
          }),
        );
        stdout(`Rotation ${token} started by ${metadata.RotationLambdaARN}; waiting for AWSCURRENT...`);
        const until = Date.now() + (wait ?? 0);
        while (Date.now() < until) {
          await sleep(2_000);
          const now = await client.send(new sdk.DescribeSecretCommand({ SecretId: secretId }));
          const stages = now.VersionIdsToStages?.[token] ?? [];
          if (stages.includes('AWSCURRENT')) {
            stdout(`Rotated: version ${token} is AWSCURRENT.`);
            return 0;
          }
          if (!stages.includes('AWSPENDING')) break;
        }
        stderr(
          `Rotation ${token} did not finish within ${values.deadline ?? '5m'}; AWSCURRENT is unchanged until it does. See the rotation function's log (alarm CredentialRotationFailed).`,
        );
        return 1;
      }
      const { createRotationDeps, rotateOnDemand } = await import('../../credentials/rotation.ts');
      const version = await rotateOnDemand(
        secretId!,
        token,
        createRotationDeps({ secretsManager: client, log: (message) => stdout(message) }),
      );
      stdout(`Rotated: version ${version} of ${metadata.ARN ?? secretId} is AWSCURRENT and mints tokens.`);
      return 0;
    },
  };
}

/** The `rotate` command. */
export const rotateCommand: CliCommand = createRotateCommand();

import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClaimCommand } from '../../../src/cli/commands/claim.ts';
import { createSignupCommand } from '../../../src/cli/commands/signup.ts';
import { createStatusCommand } from '../../../src/cli/commands/status.ts';
import {
  SimulacraClient,
  createTokenProvider,
  loadCredentialsFromSecret,
} from '../../../src/client/index.ts';
import { defaultOnboardingCliDeps } from '../../../src/cli/credential-support.ts';
import type { OnboardingCliDeps } from '../../../src/cli/credential-support.ts';
import type { Environment } from '../../support/credentials-harness.ts';
import { captureOutput, expectNoSecretsIn, startEnvironment } from '../../support/credentials-harness.ts';

let env: Environment;

beforeAll(async () => {
  env = await startEnvironment();
});
afterAll(async () => {
  await env?.close();
});

/** Real dependencies (HTTP to the simulator, moto Secrets Manager), output to the real stdout. */
function deps(): Partial<OnboardingCliDeps> {
  return {
    ...defaultOnboardingCliDeps(),
    env: { SIMULACRA_API_BASE: env.sim.apiBase },
    secretsManager: () => env.sm,
    sleep: () => Promise.resolve(),
  };
}

const run = (command: { run(args: string[]): Promise<number> }, args: string[]) =>
  captureOutput(() => command.run(args));

describe('onboarding against the simulator and moto', () => {
  it('signup -> status -> approval -> claim into Secrets Manager -> a working token; no secret in any output', async () => {
    const outputs: string[] = [];
    const signup = await run(createSignupCommand(deps()), [
      '--company',
      'Acme Research',
      '--email',
      'ops@acme.test',
    ]);
    outputs.push(signup.output);
    expect(signup.result).toBe(0);
    const requestId = /request_id: (req_[A-Za-z0-9]+)/.exec(signup.output)?.[1];
    expect(requestId).toBeDefined();

    // Resumable: the same email gives the same request back.
    const again = await run(createSignupCommand(deps()), [
      '--company',
      'Acme Research',
      '--email',
      'ops@acme.test',
    ]);
    outputs.push(again.output);
    expect(again.output).toContain(`request_id: ${requestId}`);
    expect(again.output).toContain('already has an access request');

    const pending = await run(createStatusCommand(deps()), ['--request-id', requestId!]);
    outputs.push(pending.output);
    expect(pending.output).toContain('status: pending');

    const early = await run(createClaimCommand(deps()), [
      '--request-id',
      requestId!,
      '--secret-id',
      'simulacra/acme',
      '--create',
    ]);
    outputs.push(early.output);
    expect(early.result).toBe(4);

    env.sim.operator.approveSignup(requestId!);
    const claimToken = env.sim.operator.signups().find((s) => s.requestId === requestId)?.claimToken;
    expect(claimToken).toMatch(/^cred_/);

    const approved = await run(createStatusCommand(deps()), [
      '--request-id',
      requestId!,
      '--wait',
      '--deadline',
      '10s',
    ]);
    outputs.push(approved.output);
    expect(approved.result).toBe(0);
    expect(approved.output).toContain('status: approved');

    const claim = await run(createClaimCommand(deps()), [
      '--request-id',
      requestId!,
      '--secret-id',
      'simulacra/acme',
      '--create',
    ]);
    outputs.push(claim.output);
    expect(claim.result).toBe(0);
    expect(claim.output).toMatch(/credential verified: client_id \S+, token expires \d{4}-\d\d-\d\dT/);

    const stored = await env.sm.send(new GetSecretValueCommand({ SecretId: 'simulacra/acme' }));
    const secret = JSON.parse(stored.SecretString!) as Record<string, string>;
    expect(Object.keys(secret).sort()).toEqual([
      'api_base',
      'audience',
      'client_id',
      'client_secret',
      'token_url',
    ]);
    expect(secret.api_base).toBe(env.sim.apiBase);
    expect(secret.token_url).toBe(env.sim.tokenUrl);

    // The stored credential works for a bearer call.
    const credentials = await loadCredentialsFromSecret(env.sm, 'simulacra/acme');
    const client = new SimulacraClient({
      apiBase: credentials.api_base,
      tokenProvider: createTokenProvider({ credentials }),
    });
    const page = await client.listDatasets({ limit: 1 });
    expect(page.items).toEqual([]);

    // A second claim: the one-time token is gone; the support path is explained.
    const reclaim = await run(createClaimCommand(deps()), [
      '--request-id',
      requestId!,
      '--secret-id',
      'simulacra/acme',
    ]);
    outputs.push(reclaim.output);
    expect(reclaim.result).toBe(1);
    expect(reclaim.output).toContain('support@simulacra-data.com');
    expect(reclaim.output).toContain(`signup request_id ${requestId}`);
    expect(reclaim.output).toContain(`client_id ${secret.client_id}`);

    expectNoSecretsIn(outputs.join('\n'), [secret.client_secret!, claimToken!]);
  });

  it('status --wait stops at a decline with exit code 3', async () => {
    const signup = await run(createSignupCommand(deps()), [
      '--company',
      'Nope Inc',
      '--email',
      'no@nope.test',
    ]);
    const requestId = /request_id: (req_[A-Za-z0-9]+)/.exec(signup.output)![1]!;
    env.sim.operator.declineSignup(requestId);
    const status = await run(createStatusCommand(deps()), ['--request-id', requestId, '--wait']);
    expect(status.result).toBe(3);
    expect(status.output).toContain('declined');
  });

  it('claim refuses a missing secret without --create before spending the claim token', async () => {
    const signup = await run(createSignupCommand(deps()), [
      '--company',
      'Careful Co',
      '--email',
      'c@careful.test',
    ]);
    const requestId = /request_id: (req_[A-Za-z0-9]+)/.exec(signup.output)![1]!;
    env.sim.operator.approveSignup(requestId);
    const claim = await run(createClaimCommand(deps()), [
      '--request-id',
      requestId,
      '--secret-id',
      'simulacra/missing',
    ]);
    expect(claim.result).toBe(1);
    expect(claim.output).toContain('pass --create');
    const record = env.sim.operator.signups().find((s) => s.requestId === requestId);
    // Still claimable: the status route still offers the token.
    const status = await run(createStatusCommand(deps()), ['--request-id', requestId]);
    expect(status.output).toContain('ready to claim');
    expectNoSecretsIn(claim.output + status.output, [record!.claimToken!]);
  });
});

import {
  CreateSecretCommand,
  DescribeSecretCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClaimCommand } from '../../../src/cli/commands/claim.ts';
import {
  CLAIM_TOKEN,
  CLIENT_SECRET,
  approved,
  claimed,
  cliHarness,
  expectNoSecrets,
  fakeOnboardingApi,
  problem,
  signup,
} from '../../support/credential-fakes.ts';

const sm = mockClient(SecretsManagerClient);
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:simulacra-AbCdEf';
const args = [
  '--request-id',
  'req_abc123',
  '--secret-id',
  SECRET_ARN,
  '--api-base',
  'https://api.example.test',
];

const notFound = () => new ResourceNotFoundException({ message: 'not found', $metadata: {} });

function harness(api = fakeOnboardingApi(), env: Record<string, string> = {}) {
  const h = cliHarness(api, env);
  const command = createClaimCommand({
    ...h.deps,
    secretsManager: () => new SecretsManagerClient({ region: 'us-east-1' }),
  });
  return { ...h, api, command };
}

beforeEach(() => {
  sm.reset();
  sm.on(DescribeSecretCommand).resolves({ ARN: SECRET_ARN, Name: 'simulacra' });
  sm.on(PutSecretValueCommand).resolves({ ARN: SECRET_ARN, VersionId: 'v-2' });
});
afterEach(() => sm.reset());

describe('claim command', () => {
  it('claims the credential straight into the secret, verifies it, and prints neither secret nor token', async () => {
    const h = harness();
    h.api.getSignupRequest.mockResolvedValue(approved());
    h.api.claimCredentials.mockResolvedValue(claimed());
    expect(await h.command.run(args)).toBe(0);

    expect(h.api.claimCredentials).toHaveBeenCalledWith(CLAIM_TOKEN);
    const put = sm.commandCalls(PutSecretValueCommand)[0]!.args[0].input;
    expect(put.SecretId).toBe(SECRET_ARN);
    expect(JSON.parse(put.SecretString!)).toEqual({
      client_id: 'acme_m2m_1',
      client_secret: CLIENT_SECRET,
      token_url: 'https://auth.example.test/oauth/token',
      audience: 'https://api.simulacra-data.com',
      api_base: 'https://api.example.test',
    });
    expect(h.verify).toHaveBeenCalledOnce();
    expect(h.verify.mock.calls[0]![0].client_secret).toBe(CLIENT_SECRET);
    const out = h.out.join('\n');
    expect(out).toContain(
      'credential verified: client_id acme_m2m_1, token expires 2030-01-01T00:00:00.000Z',
    );
    expect(out).toContain(SECRET_ARN);
    expectNoSecrets(h.all());
  });

  it('uses --token-url/--audience when the claim does not name them', async () => {
    const h = harness();
    h.api.getSignupRequest.mockResolvedValue(approved());
    h.api.claimCredentials.mockResolvedValue(claimed({ token_url: null, audience: null }));
    const code = await h.command.run([...args, '--token-url', 'https://t.test/token', '--audience', 'aud-1']);
    expect(code).toBe(0);
    const secret = JSON.parse(sm.commandCalls(PutSecretValueCommand)[0]!.args[0].input.SecretString!);
    expect(secret).toMatchObject({ token_url: 'https://t.test/token', audience: 'aud-1' });
  });

  it('stores an incomplete claim anyway (it is shown once) and says which fields to add', async () => {
    const h = harness();
    h.api.getSignupRequest.mockResolvedValue(approved());
    h.api.claimCredentials.mockResolvedValue(claimed({ token_url: null }));
    expect(await h.command.run(args)).toBe(1);
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(1);
    expect(h.err.join('\n')).toContain('has no token_url');
    expect(h.verify).not.toHaveBeenCalled();
    expectNoSecrets(h.all());
  });

  it('refuses before claiming when the secret does not exist and --create is absent', async () => {
    sm.on(DescribeSecretCommand).rejects(notFound());
    const h = harness();
    expect(await h.command.run(args)).toBe(1);
    expect(h.err[0]).toContain('pass --create');
    expect(h.api.getSignupRequest).not.toHaveBeenCalled();
    expect(h.api.claimCredentials).not.toHaveBeenCalled();
  });

  it('with --create creates the secret by name', async () => {
    sm.on(DescribeSecretCommand).rejects(notFound());
    sm.on(CreateSecretCommand).resolves({ ARN: SECRET_ARN, VersionId: 'v-1' });
    const h = harness();
    h.api.getSignupRequest.mockResolvedValue(approved());
    h.api.claimCredentials.mockResolvedValue(claimed());
    const code = await h.command.run([
      ...args.slice(0, 2),
      '--secret-id',
      'simulacra/creds',
      ...args.slice(4),
      '--create',
    ]);
    expect(code).toBe(0);
    const create = sm.commandCalls(CreateSecretCommand)[0]!.args[0].input;
    expect(create.Name).toBe('simulacra/creds');
    expect(JSON.parse(create.SecretString!).client_secret).toBe(CLIENT_SECRET);
    expect(h.out.join('\n')).toContain('new secret');
    expectNoSecrets(h.all());
  });

  it('with --create refuses an ARN of a missing secret before claiming', async () => {
    sm.on(DescribeSecretCommand).rejects(notFound());
    const h = harness();
    expect(await h.command.run([...args, '--create'])).toBe(1);
    expect(h.err[0]).toContain('needs a secret name');
    expect(h.api.claimCredentials).not.toHaveBeenCalled();
  });

  it('explains the support path when the claim token expired or was used', async () => {
    const h = harness();
    h.api.getSignupRequest.mockResolvedValue(approved());
    h.api.claimCredentials.mockRejectedValue(problem(404, 'simio_credential_claim_not_found'));
    expect(await h.command.run(args)).toBe(1);
    const err = h.err.join('\n');
    expect(err).toContain('simio_credential_claim_not_found');
    expect(err).toContain('support@simulacra-data.com');
    expect(err).toContain('signup request_id req_abc123');
    expect(err).toContain('X-Request-Id xr_problem_1');
    expect(err).toContain('does NOT re-issue');
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
    expectNoSecrets(h.all());
  });

  it('explains the support path when the approved request has no token any more', async () => {
    const h = harness();
    h.api.getSignupRequest.mockResolvedValue(approved({ credential_claim_token: null }));
    expect(await h.command.run(args)).toBe(1);
    expect(h.err.join('\n')).toContain('already claimed');
    expect(h.err.join('\n')).toContain('client_id acme_m2m_1');
    expect(h.api.claimCredentials).not.toHaveBeenCalled();
  });

  it('refuses while the request is still pending (exit 4)', async () => {
    const h = harness();
    h.api.getSignupRequest.mockResolvedValue(signup());
    expect(await h.command.run(args)).toBe(4);
    expect(h.api.claimCredentials).not.toHaveBeenCalled();
  });

  it('reports a failed write without printing the claimed secret', async () => {
    sm.on(PutSecretValueCommand).rejects(new Error('AccessDeniedException: not allowed'));
    const h = harness();
    h.api.getSignupRequest.mockResolvedValue(approved());
    h.api.claimCredentials.mockResolvedValue(claimed());
    expect(await h.command.run(args)).toBe(1);
    const err = h.err.join('\n');
    expect(err).toContain('writing it to secret');
    expect(err).toContain('client_id acme_m2m_1');
    expectNoSecrets(h.all());
  });

  it('takes every option from SIMULACRA_* variables', async () => {
    const h = harness(fakeOnboardingApi(), {
      SIMULACRA_REQUEST_ID: 'req_abc123',
      SIMULACRA_SECRET_ID: SECRET_ARN,
      SIMULACRA_API_BASE: 'https://api.example.test',
    });
    h.api.getSignupRequest.mockResolvedValue(approved());
    h.api.claimCredentials.mockResolvedValue(claimed());
    expect(await h.command.run([])).toBe(0);
  });
});

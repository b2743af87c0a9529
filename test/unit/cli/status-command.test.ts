import { describe, expect, it } from 'vitest';
import { createStatusCommand } from '../../../src/cli/commands/status.ts';
import {
  approved,
  cliHarness,
  expectNoSecrets,
  fakeOnboardingApi,
  problem,
  signup,
} from '../../support/credential-fakes.ts';

const base = ['--request-id', 'req_abc123', '--api-base', 'https://api.example.test'];

describe('status command', () => {
  it('shows a pending request once without --wait', async () => {
    const api = fakeOnboardingApi();
    api.getSignupRequest.mockResolvedValue(signup());
    const h = cliHarness(api);
    expect(await createStatusCommand(h.deps).run(base)).toBe(0);
    expect(api.getSignupRequest).toHaveBeenCalledOnce();
    expect(h.out.join('\n')).toContain('status: pending');
  });

  it('polls with --wait until approved; prints the next step but not the claim token', async () => {
    const api = fakeOnboardingApi();
    api.getSignupRequest
      .mockResolvedValueOnce(signup())
      .mockRejectedValueOnce(problem(503, null))
      .mockResolvedValueOnce(approved());
    const h = cliHarness(api);
    expect(await createStatusCommand(h.deps).run([...base, '--wait'])).toBe(0);
    expect(api.getSignupRequest).toHaveBeenCalledTimes(3);
    const out = h.out.join('\n');
    expect(out).toContain('status: approved');
    expect(out).toContain('client_id: acme_m2m_1');
    expect(out).toContain('claim --request-id req_abc123');
    expectNoSecrets(h.all());
  });

  it('exits 4 when the deadline passes while still pending', async () => {
    const api = fakeOnboardingApi();
    api.getSignupRequest.mockResolvedValue(signup());
    const h = cliHarness(api);
    expect(await createStatusCommand(h.deps).run([...base, '--wait', '--deadline', '0s'])).toBe(4);
    expect(h.err.join('\n')).toContain('still pending');
  });

  it('stops on a terminal error and shows the correlation ids', async () => {
    const api = fakeOnboardingApi();
    api.getSignupRequest.mockRejectedValue(problem(404, 'simio_signup_not_found'));
    const h = cliHarness(api);
    expect(await createStatusCommand(h.deps).run([...base, '--wait'])).toBe(1);
    expect(api.getSignupRequest).toHaveBeenCalledOnce();
    expect(h.err.join('\n')).toContain('X-Request-Id xr_problem_1');
  });

  it('refuses a malformed request id before calling the vendor', async () => {
    const api = fakeOnboardingApi();
    const h = cliHarness(api);
    expect(
      await createStatusCommand(h.deps).run(['--request-id', 'req_bad-id', '--api-base', 'https://x.test']),
    ).toBe(2);
    expect(h.err[0]).toContain('is not a signup request id');
    expect(api.getSignupRequest).not.toHaveBeenCalled();
  });

  it('takes the request id from SIMULACRA_REQUEST_ID', async () => {
    const api = fakeOnboardingApi();
    api.getSignupRequest.mockResolvedValue(signup({ status: 'declined' }));
    const h = cliHarness(api, { SIMULACRA_REQUEST_ID: 'req_fromenv', SIMULACRA_API_BASE: 'https://x.test' });
    expect(await createStatusCommand(h.deps).run([])).toBe(3);
    expect(api.getSignupRequest).toHaveBeenCalledWith('req_fromenv');
  });
});

import { describe, expect, it } from 'vitest';
import { createSignupCommand } from '../../../src/cli/commands/signup.ts';
import {
  approved,
  cliHarness,
  expectNoSecrets,
  fakeOnboardingApi,
  meta,
  signup,
} from '../../support/credential-fakes.ts';

const args = ['--company', 'Acme Research', '--email', 'ops@acme.test', '--api-base', 'http://127.0.0.1:9/'];

describe('signup command', () => {
  it('submits the request and prints the request id and the next step', async () => {
    const api = fakeOnboardingApi();
    api.submitSignupRequest.mockResolvedValue(signup());
    const h = cliHarness(api);
    const code = await createSignupCommand(h.deps).run(args);
    expect(code).toBe(0);
    expect(api.submitSignupRequest).toHaveBeenCalledWith({
      company_name: 'Acme Research',
      contact_email: 'ops@acme.test',
    });
    expect(h.apiBases).toEqual(['http://127.0.0.1:9']);
    expect(h.out.join('\n')).toContain('request_id: req_abc123');
    expect(h.out.join('\n')).toContain('status --request-id req_abc123');
    expect(api.getSignupRequest).not.toHaveBeenCalled();
  });

  it('resumes an existing request (vendor 200) without printing its claim token', async () => {
    const api = fakeOnboardingApi();
    api.submitSignupRequest.mockResolvedValue(approved({ meta: meta(200) }));
    const h = cliHarness(api);
    expect(await createSignupCommand(h.deps).run(args)).toBe(0);
    expect(h.out.join('\n')).toContain('already has an access request');
    expect(h.out.join('\n')).toContain('claim --request-id req_abc123');
    expectNoSecrets(h.all());
  });

  it('reads options from SIMULACRA_* variables', async () => {
    const api = fakeOnboardingApi();
    api.submitSignupRequest.mockResolvedValue(signup());
    const h = cliHarness(api, {
      SIMULACRA_COMPANY: 'Env Co',
      SIMULACRA_EMAIL: 'env@co.test',
      SIMULACRA_API_BASE: 'https://api.example.test',
    });
    expect(await createSignupCommand(h.deps).run([])).toBe(0);
    expect(api.submitSignupRequest).toHaveBeenCalledWith({
      company_name: 'Env Co',
      contact_email: 'env@co.test',
    });
    expect(h.apiBases).toEqual(['https://api.example.test']);
  });

  it('with --wait polls until approved and never prints the claim token', async () => {
    const api = fakeOnboardingApi();
    api.submitSignupRequest.mockResolvedValue(signup());
    api.getSignupRequest.mockResolvedValueOnce(signup({ meta: meta(200) })).mockResolvedValueOnce(approved());
    const h = cliHarness(api);
    expect(await createSignupCommand(h.deps).run([...args, '--wait'])).toBe(0);
    expect(api.getSignupRequest).toHaveBeenCalledTimes(2);
    expect(h.out.join('\n')).toContain('status: approved');
    expectNoSecrets(h.all());
  });

  it('exits 3 when the wait ends in a decline', async () => {
    const api = fakeOnboardingApi();
    api.submitSignupRequest.mockResolvedValue(signup());
    api.getSignupRequest.mockResolvedValue(signup({ status: 'declined' }));
    const h = cliHarness(api);
    expect(await createSignupCommand(h.deps).run([...args, '--wait'])).toBe(3);
    expect(h.err.join('\n')).toContain('declined');
  });

  it('names the missing options and exits 2', async () => {
    const h = cliHarness(fakeOnboardingApi());
    expect(await createSignupCommand(h.deps).run(['--company', 'X'])).toBe(2);
    expect(h.err[0]).toContain('--email (or SIMULACRA_EMAIL)');
    expect(h.err[0]).toContain('--api-base (or SIMULACRA_API_BASE)');
  });

  it('rejects a malformed API base and a bad deadline', async () => {
    const h = cliHarness(fakeOnboardingApi());
    expect(await createSignupCommand(h.deps).run([...args.slice(0, 4), '--api-base', 'nope'])).toBe(2);
    expect(h.err[0]).toContain('is not a URL');
    expect(await createSignupCommand(h.deps).run([...args, '--deadline', 'soon'])).toBe(2);
    expect(h.err.join('\n')).toContain('is not a duration');
  });

  it('prints help', async () => {
    const h = cliHarness(fakeOnboardingApi());
    expect(await createSignupCommand(h.deps).run(['--help'])).toBe(0);
    expect(h.out[0]).toContain('Usage: simulacra-pipeline signup');
  });
});

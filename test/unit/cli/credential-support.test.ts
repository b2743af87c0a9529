import { describe, expect, it, vi } from 'vitest';
import { claimCommand } from '../../../src/cli/commands/claim.ts';
import { commands } from '../../../src/cli/commands/index.ts';
import { signupCommand } from '../../../src/cli/commands/signup.ts';
import { runStatusCommand } from '../../../src/cli/commands/run-status.ts';
import { statusCommand } from '../../../src/cli/commands/status.ts';
import { parseDuration, parseOptions } from '../../../src/cli/credential-support.ts';

describe('onboarding commands', () => {
  it('are registered under signup, signup status and claim (status is the run status)', async () => {
    const run = vi.spyOn(statusCommand, 'run').mockResolvedValue(0);
    const submit = vi.spyOn(signupCommand, 'run').mockResolvedValue(0);
    await commands.signup!.run(['status', '--request-id', 'req_1']);
    expect(run).toHaveBeenCalledWith(['--request-id', 'req_1']);
    await commands.signup!.run(['--company', 'Acme']);
    expect(submit).toHaveBeenCalledWith(['--company', 'Acme']);
    vi.restoreAllMocks();
    expect(commands.status).toBe(runStatusCommand);
    expect(commands.claim).toBe(claimCommand);
  });
});

describe('cli support', () => {
  it('parses durations', () => {
    expect(parseDuration('30m', 'deadline')).toBe(1_800_000);
    expect(parseDuration('90', 'deadline')).toBe(90_000);
    expect(parseDuration('1.5h', 'deadline')).toBe(5_400_000);
    expect(parseDuration('250ms', 'deadline')).toBe(250);
    expect(() => parseDuration('-1m', 'deadline')).toThrow(/not a duration/);
  });

  it('prefers flags over SIMULACRA_* variables over defaults, and reads boolean variables', () => {
    const spec = {
      name: { type: 'string', env: 'SIMULACRA_NAME', default: 'd', help: '' },
      flag: { type: 'boolean', env: 'SIMULACRA_FLAG', help: '' },
    } as const;
    expect(parseOptions(['--name', 'cli'], spec, { SIMULACRA_NAME: 'env' })).toEqual({
      name: 'cli',
      flag: false,
    });
    expect(parseOptions([], spec, { SIMULACRA_NAME: 'env', SIMULACRA_FLAG: 'true' })).toEqual({
      name: 'env',
      flag: true,
    });
    expect(parseOptions([], spec, { SIMULACRA_FLAG: 'no' })).toEqual({ name: 'd', flag: false });
    expect(() => parseOptions(['--nope'], spec, {})).toThrow(/Unknown option/);
    expect(() => parseOptions(['stray'], spec, {})).toThrow();
  });
});

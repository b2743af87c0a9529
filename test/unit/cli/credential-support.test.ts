import { describe, expect, it } from 'vitest';
import { claimCommand } from '../../../src/cli/commands/claim.ts';
import { commands } from '../../../src/cli/commands/index.ts';
import { signupCommand } from '../../../src/cli/commands/signup.ts';
import { statusCommand } from '../../../src/cli/commands/status.ts';
import { parseDuration, parseOptions } from '../../../src/cli/credential-support.ts';

describe('onboarding commands', () => {
  it('are registered under signup, status and claim', () => {
    expect(commands.signup).toBe(signupCommand);
    expect(commands.status).toBe(statusCommand);
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

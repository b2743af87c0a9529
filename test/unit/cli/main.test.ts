import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/main.ts';
import { commands } from '../../../src/cli/commands/index.ts';

describe('simulacra-pipeline CLI dispatch', () => {
  afterEach(() => vi.restoreAllMocks());

  it('prints usage listing every registered command and exits 1 without a command', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    expect(await main([])).toBe(1);
    const text = log.mock.calls.map((call) => String(call[0])).join('\n');
    expect(text).toContain('Usage: simulacra-pipeline <command>');
    for (const name of Object.keys(commands)) expect(text).toContain(name);
  });

  it('exits 0 for --help', async () => {
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    expect(await main(['--help'])).toBe(0);
  });

  it('refuses an unknown command with exit code 2 and names it', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    expect(await main(['frobnicate'])).toBe(2);
    expect(String(error.mock.calls[0]?.[0])).toContain('Unknown command "frobnicate"');
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import { commands } from '../../../src/cli/commands/index.ts';
import { simulatorCommand } from '../../../src/cli/commands/simulator.ts';

describe('simulacra-pipeline simulator', () => {
  afterEach(() => vi.restoreAllMocks());

  it('is registered', () => {
    expect(commands.simulator).toBe(simulatorCommand);
  });

  it('prints one JSON line with endpoints and demo credentials, serves, and stops on SIGTERM', async () => {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: unknown) => void lines.push(String(line)));
    const running = simulatorCommand.run([
      '--port',
      '0',
      '--training-ms',
      '5',
      '--faults',
      'GET /healthz:503x1',
      '--null-style',
      'null',
    ]);
    while (lines.length === 0) await new Promise((r) => setTimeout(r, 10));
    expect(lines).toHaveLength(1);
    const info = JSON.parse(lines[0]!) as Record<string, string>;
    expect(Object.keys(info).sort()).toEqual([
      'api_base',
      'audience',
      'client_id',
      'client_secret',
      'mode',
      'token_url',
    ]);
    expect(info).toMatchObject({
      mode: 'managed',
      audience: 'https://api.simulacra-data.com',
      token_url: `${info.api_base}/oauth/token`,
    });
    expect((await fetch(`${info.api_base}/healthz`)).status).toBe(503);
    expect((await fetch(`${info.api_base}/healthz`)).status).toBe(200);
    process.emit('SIGTERM');
    expect(await running).toBe(0);
  });

  it('rejects bad options with exit code 2 and names them', async () => {
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: unknown) => void errors.push(String(line)));
    expect(await simulatorCommand.run(['--mode', 'cloud'])).toBe(2);
    expect(errors.join('\n')).toContain('--mode must be managed or enterprise');
    expect(await simulatorCommand.run(['--bogus'])).toBe(2);
    expect(await simulatorCommand.run(['--null-style', 'nil'])).toBe(2);
    expect(await simulatorCommand.run(['--port', 'abc'])).toBe(1);
    expect(errors.join('\n')).toContain('--port must be a non-negative integer');
    expect(await simulatorCommand.run(['--faults', 'GET /x:418'])).toBe(1);
    expect(errors.join('\n')).toContain('Unknown fault action');
  });

  it('prints help', async () => {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: unknown) => void lines.push(String(line)));
    expect(await simulatorCommand.run(['--help'])).toBe(0);
    expect(lines.join('\n')).toContain('--faults SPEC');
  });
});

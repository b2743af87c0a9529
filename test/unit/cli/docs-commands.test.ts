/**
 * The docs keep the CLI's promises: every `simulacra-pipeline <command>` mentioned in README.md and
 * docs/*.md (not `npm install simulacra-pipeline …`, which names the package) is a command (and
 * sub-command) the CLI has, and the runbook names only alarms the construct creates and covers
 * every one of them.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { commands } from '../../../src/cli/commands/index.ts';
import { cliVersion, main } from '../../../src/cli/main.ts';
import { synthPipeline } from '../../support/infra-fixtures.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const DOCS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
/** Commands whose first positional is a sub-command. */
const SUBCOMMANDS: Readonly<Record<string, readonly string[]>> = { signup: ['status'], local: ['up'] };

function mentionedCommands(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const doc of DOCS) {
    const text = readFileSync(join(ROOT, doc), 'utf8');
    for (const match of text.matchAll(
      /(?<!install )(?:simulacra-pipeline|npm run cli --) ([a-z][a-z-]*)(?: ([a-z]+))?/g,
    )) {
      const [, name, second] = match as unknown as [string, string, string | undefined];
      const words = second && SUBCOMMANDS[name]?.includes(second) ? [name, second] : [name];
      const key = words.join(' ');
      found.set(key, [...(found.get(key) ?? []), doc]);
    }
  }
  return found;
}

async function quietly(argv: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const grab = (chunk: unknown): boolean => out.push(String(chunk).trimEnd()) > 0;
  vi.spyOn(process.stdout, 'write').mockImplementation(grab);
  vi.spyOn(process.stderr, 'write').mockImplementation(grab);
  const code = await main(argv);
  vi.restoreAllMocks();
  return { code, out: out.join('\n') };
}

afterEach(() => vi.restoreAllMocks());

describe('docs name only CLI commands that exist', () => {
  const mentioned = mentionedCommands();

  it('finds the documented commands, including the promised rotate and run status', () => {
    expect([...mentioned.keys()]).toEqual(
      expect.arrayContaining(['rotate', 'status', 'signup status', 'runs']),
    );
  });

  it.each([...mentioned.entries()])('"%s" (in %s) is a command of the CLI', async (command, docs) => {
    const [name] = command.split(' ') as [string];
    expect(commands[name], `${command} mentioned in ${docs.join(', ')}`).toBeDefined();
    const { code } = await quietly([...command.split(' '), '--help']);
    expect(code, `${command} --help`).toBe(0);
  });

  it('has `status` for runs and `signup status` for the signup request, and --version', async () => {
    expect((await quietly(['status', '--help'])).out).toContain('status RUN_ID');
    expect((await quietly(['signup', 'status', '--help'])).out).toContain('--request-id');
    const moved = await quietly(['status', '--request-id', 'req_1']);
    expect(moved).toMatchObject({ code: 2 });
    expect(moved.out).toContain('signup status');
    const version = await quietly(['--version']);
    expect(version).toEqual({ code: 0, out: `simulacra-pipeline ${cliVersion()}` });
    expect(cliVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('the runbook', () => {
  const runbook = readFileSync(join(ROOT, 'docs', 'runbook.md'), 'utf8');
  const sections = [...runbook.matchAll(/^### (\S+)$/gm)].map((m) => m[1]);

  it('has one section per alarm the construct creates, and no other', () => {
    const { pipeline } = synthPipeline({
      credentialsRotation: { schedule: Duration.days(30) },
      enableNotifications: true,
    });
    expect([...sections].sort()).toEqual(Object.keys(pipeline.monitoring.alarms).sort());
  });
});

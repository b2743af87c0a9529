/**
 * Every environment variable a handler reads (through everything its entry file imports) is set
 * on that function by the construct, and every pipeline variable the construct sets is read: the
 * environment lists of lib/pipeline-functions.ts stay exact, and grants no longer follow them.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { PipelineEnv, pipelineFunctions } from '../../../lib/pipeline-functions.ts';
import { allFeaturesProps, synthPipeline } from '../../support/infra-fixtures.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Set by the Lambda runtime itself, never by the construct. */
const runtimeProvided = (name: string): boolean => /^(AWS_|LAMBDA_|_)/.test(name);

export interface EnvRead {
  readonly name: string;
  /** Read with a default or optional (`z.optional(…)`, `z._default(…)`): the handler works without it. */
  readonly optional: boolean;
  readonly file: string;
}

/** Environment variables read in one source text: config shapes and `process.env` accesses. */
export function envReadsIn(text: string, file: string): EnvRead[] {
  const reads: EnvRead[] = [];
  for (const line of text.split('\n')) {
    const shape =
      /^\s*(?:const \w+ = lazyConfig\(\{\s*)?([A-Z][A-Z0-9_]{2,}):\s*(requiredString\(|z\.)(.*)$/.exec(line);
    if (shape) {
      reads.push({
        name: shape[1] as string,
        optional: shape[2] === 'z.' && /^(optional|_default)\(/.test(shape[3] ?? ''),
        file,
      });
    }
    for (const inline of line.matchAll(/\b([A-Z][A-Z0-9_]{2,}):\s*requiredString\(\)/g)) {
      if (!reads.some((read) => read.name === inline[1]))
        reads.push({ name: inline[1] as string, optional: false, file });
    }
    for (const access of line.matchAll(
      /process\.env(?:\.([A-Z][A-Z0-9_]+)|\[['"]([A-Z][A-Z0-9_]+)['"]\])(.{0,4})/g,
    )) {
      const name = (access[1] ?? access[2]) as string;
      reads.push({ name, optional: /^\s*(\?\?|===|!==|\|\|)/.test(access[3] ?? ''), file });
    }
  }
  return reads;
}

/** The repository's TypeScript files `entry` imports, transitively (relative imports only). */
export function importGraph(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+\.ts)'/g)) {
      visit(join(dirname(file), match[1] as string));
    }
  };
  visit(resolve(REPO_ROOT, entry));
  return [...seen];
}

function handlerReads(entry: string): EnvRead[] {
  return importGraph(entry)
    .flatMap((file) => envReadsIn(readFileSync(file, 'utf8'), file.slice(REPO_ROOT.length + 1)))
    .filter((read) => !runtimeProvided(read.name));
}

describe('function environments', () => {
  const { pipeline, stack } = synthPipeline(allFeaturesProps);
  const environmentOf = (id: string): Record<string, unknown> => {
    const fn = pipeline.functions[id];
    if (!fn) throw new Error(`the construct made no function ${id}`);
    const cfn = fn.node.defaultChild as lambda.CfnFunction;
    const resolved = stack.resolve(cfn.environment) as { variables?: Record<string, unknown> } | undefined;
    return resolved?.variables ?? {};
  };

  it.each(pipelineFunctions.map((spec) => [spec.id, spec.entry]))(
    '%s: every variable its handler needs is set by the construct',
    (id, entry) => {
      const set = environmentOf(id);
      const missing = handlerReads(entry)
        .filter((read) => !read.optional && !(read.name in set))
        .map((read) => `${read.name} (read in ${read.file})`);
      expect(missing, `${id} reads variables the construct does not set`).toEqual([]);
    },
  );

  it.each(pipelineFunctions.map((spec) => [spec.id, spec.entry]))(
    '%s: every pipeline variable the construct sets is read by its handler',
    (id, entry) => {
      const read = new Set(handlerReads(entry).map((r) => r.name));
      const pipelineNames = new Set<string>(Object.values(PipelineEnv));
      const unread = Object.keys(environmentOf(id)).filter(
        (name) => pipelineNames.has(name) && !read.has(name),
      );
      expect(unread, `${id} is given variables its handler never reads`).toEqual([]);
    },
  );

  it('finds config shapes, process.env reads and their optionality', () => {
    const reads = envReadsIn(
      [
        'const config = lazyConfig({ STATE_TABLE_NAME: requiredString(), EVENT_BUS_NAME: requiredString() });',
        '  OUTPUT_BUCKET_NAME: requiredString(),',
        '  ARTIFACT_KMS_KEY_ARN: z.optional(z.string()),',
        '  QUALITY_GATE: z.string().check(z.minLength(1)),',
        "  const level = process.env.LOG_LEVEL ?? 'INFO';",
        "  const name = process.env['TABLE_NAME'];",
      ].join('\n'),
      'x.ts',
    );
    expect(reads.map((r) => [r.name, r.optional])).toEqual([
      ['STATE_TABLE_NAME', false],
      ['EVENT_BUS_NAME', false],
      ['OUTPUT_BUCKET_NAME', false],
      ['ARTIFACT_KMS_KEY_ARN', true],
      ['QUALITY_GATE', false],
      ['LOG_LEVEL', true],
      ['TABLE_NAME', false],
    ]);
  });
});

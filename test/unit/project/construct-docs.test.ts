import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CONSTRUCT_DOC,
  renderConstructTables,
  withGeneratedBlocks,
} from '../../../scripts/construct-docs.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const copies: string[] = [];

/** A copy of the two sources the tables come from, to edit. */
function sourcesCopy(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'construct-docs-'));
  copies.push(dir);
  cpSync(path.join(ROOT, 'lib'), path.join(dir, 'lib'), { recursive: true });
  return dir;
}

afterAll(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

describe('docs/construct.md props and properties tables', () => {
  const doc = readFileSync(path.join(ROOT, CONSTRUCT_DOC), 'utf8');

  it('match the TSDoc of the sources (run npm run gen:docs when this fails)', () => {
    expect(withGeneratedBlocks(doc, renderConstructTables(ROOT))).toBe(doc);
  });

  it('document every prop and public member', () => {
    const blocks = renderConstructTables(ROOT);
    expect(blocks.map((block) => block.name)).toEqual(
      expect.arrayContaining(['props:SimulacraPipelineProps', 'properties', 'methods']),
    );
    for (const block of blocks) {
      const undocumented = block.markdown.split('\n').filter((row) => /\|\s+\|$/.test(row));
      expect(undocumented, block.name).toEqual([]);
    }
    const props = blocks.find((block) => block.name === 'props:SimulacraPipelineProps')!.markdown;
    for (const name of ['vpc', 'vpcSubnets', 'securityGroups', 'functionOverrides', 'enableAlarms']) {
      expect(props).toContain(`| \`${name}\` |`);
    }
    expect(props).not.toContain('| `mode` |');
  });

  it('drift is caught: a changed default or a new prop changes the tables', () => {
    const dir = sourcesCopy();
    const file = path.join(dir, 'lib', 'pipeline-props.ts');
    const source = readFileSync(file, 'utf8');
    writeFileSync(
      file,
      source
        .replace('@default 4\n', '@default 6\n')
        .replace(
          '  readonly mapMaxConcurrency?: number;',
          '  readonly mapMaxConcurrency?: number;\n  /** A new prop. @default false */\n  readonly brandNew?: boolean;',
        ),
    );
    const drifted = withGeneratedBlocks(doc, renderConstructTables(dir));
    expect(drifted).not.toBe(doc);
    expect(drifted).toContain('| `brandNew` | `boolean` | false | A new prop. |');
    expect(drifted).toMatch(/\| `mapMaxConcurrency` \| `number` \| 6 \|/);
  });

  it('refuses a document without the markers of a block', () => {
    expect(() => withGeneratedBlocks('# nothing here\n', renderConstructTables(ROOT))).toThrow(
      /has no "<!-- generated:props:Simulacra\w+ \(npm run gen:docs\) -->"/,
    );
  });
});

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Markdown files a reader follows: the README, BENCHMARKS.md and every page under docs/. */
function documents(): string[] {
  const docs = readdirSync(path.join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => path.join(ROOT, 'docs', name));
  return [path.join(ROOT, 'README.md'), path.join(ROOT, 'BENCHMARKS.md'), ...docs];
}

/** Text outside fenced code blocks. */
function prose(text: string): string[] {
  let fenced = false;
  return text.split('\n').filter((line) => {
    if (line.startsWith('```')) fenced = !fenced;
    return !fenced && !line.startsWith('```');
  });
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchorsIn(file: string): Set<string> {
  const anchors = new Set<string>();
  for (const line of prose(readFileSync(file, 'utf8'))) {
    const match = /^#{1,6}\s+(.*)$/.exec(line);
    if (!match) continue;
    const base = anchorOf(match[1] ?? '');
    let anchor = base;
    for (let n = 1; anchors.has(anchor); n++) anchor = `${base}-${n}`;
    anchors.add(anchor);
  }
  return anchors;
}

/** Every relative link in `file` that points at nothing: a missing file or heading. */
export function brokenLinks(file: string): string[] {
  const broken: string[] = [];
  for (const line of prose(readFileSync(file, 'utf8'))) {
    for (const match of line.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = match[1] ?? '';
      if (/^[a-z]+:/i.test(target)) continue;
      const [relative = '', anchor] = target.split('#');
      const resolved = relative === '' ? file : path.resolve(path.dirname(file), relative);
      if (!existsSync(resolved)) {
        broken.push(`${target} (no such file)`);
      } else if (anchor !== undefined && statSync(resolved).isFile() && resolved.endsWith('.md')) {
        if (!anchorsIn(resolved).has(anchor)) broken.push(`${target} (no such heading)`);
      }
    }
  }
  return broken;
}

describe('documentation', () => {
  it.each(documents().map((file) => [path.relative(ROOT, file), file]))(
    '%s has no broken relative links',
    (_name, file) => {
      expect(brokenLinks(file)).toEqual([]);
    },
  );

  it('the checker finds a missing file and a missing heading', () => {
    expect(anchorOf('Running locally: `demo`, `run`, `local up`')).toBe('running-locally-demo-run-local-up');
    const dir = mkdtempSync(path.join(tmpdir(), 'docs-links-'));
    try {
      writeFileSync(path.join(dir, 'page.md'), '# Here\n\n## Twice\n\n## Twice\n');
      writeFileSync(
        path.join(dir, 'index.md'),
        '# Top\n[a](missing.md) [b](page.md#nowhere) [c](page.md#here) [d](page.md#twice-1) [e](#top)\n' +
          '```\n[ignored](in-a-fence.md)\n```\n',
      );
      expect(brokenLinks(path.join(dir, 'index.md'))).toEqual([
        'missing.md (no such file)',
        'page.md#nowhere (no such heading)',
      ]);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('the README stays a front page: at most 250 lines with the two quick-start commands', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    expect(readme.split('\n').length).toBeLessThanOrEqual(250);
    expect(readme).toContain('npm run demo');
    expect(readme).toContain('npm test');
  });
});

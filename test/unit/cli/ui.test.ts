import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgress } from '../../../src/cli/ui/progress.ts';
import { renderTable } from '../../../src/cli/ui/table.ts';

describe('renderTable', () => {
  it('pads columns, right-aligns numbers and shows missing cells as "-"', () => {
    const table = renderTable(
      ['scenario', 'rows', 'partial'],
      [
        ['premium-heavy', 5000, false],
        ['tight', 12, null],
      ],
    );
    expect(table.split('\n')).toEqual([
      'scenario       rows  partial',
      '-------------  ----  -------',
      'premium-heavy  5000  false',
      'tight            12  -',
    ]);
  });
});

describe('createProgress', () => {
  it('prints plain lines when not interactive', () => {
    const out = new PassThrough();
    let clock = 0;
    const progress = createProgress(out, { interactive: false, now: () => clock });
    progress.start('Upload seed');
    clock = 1500;
    progress.start('Train');
    clock = 4000;
    progress.fail('vendor said no');
    progress.stop();
    expect(String(out.read())).toBe(
      '… Upload seed\n✔ Upload seed (1.5s)\n… Train\n✖ Train (2.5s): vendor said no\n',
    );
  });

  it('draws a spinner and clears it on a terminal', () => {
    const out = new PassThrough();
    const progress = createProgress(out, { interactive: true, now: () => 0 });
    progress.start('Land');
    progress.done('2 objects');
    const written = String(out.read());
    expect(written).toContain('\r\x1b[2K');
    expect(written).toContain('✔ Land (0.0s): 2 objects\n');
  });
});

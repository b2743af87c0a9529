import { describe, expect, it } from 'vitest';
import { pollTimeScaleFor } from '../../../src/cli/local-run-command.ts';

describe('pollTimeScaleFor', () => {
  it('compresses the poll schedule by how much faster the simulator trains than a 5-minute job', () => {
    expect(pollTimeScaleFor(400, false)).toBe(750);
    expect(pollTimeScaleFor(300_000, false)).toBe(1);
  });

  it('never slows polling down below real time', () => {
    expect(pollTimeScaleFor(600_000, false)).toBe(1);
  });

  it('keeps the real waits against another API', () => {
    expect(pollTimeScaleFor(400, true)).toBe(1);
  });
});

import { describe, expect, it } from 'vitest';
import { exampleSeedCsv, usePipelineHarness } from '../../support/pipeline-harness.ts';

// Every token dies 300 ms after it is minted; job polls are slowed so a run outlives several.
const h = usePipelineHarness({
  simulator: { faults: 'token:expire=300ms;GET /v1/jobs/*:latency=150ms' },
});

describe('token expiry mid-run', () => {
  it('re-mints the token and never puts tokens, secrets or artifact URLs into the state', async () => {
    const drop = await h.putSeed('tokens', 'seed.csv', exampleSeedCsv());
    const { execution } = await h.runner.runSeedDrop(drop);
    expect(execution?.status, execution?.cause ?? '').toBe('SUCCEEDED');
    expect(h.simulator.counters().tokenMints).toBeGreaterThanOrEqual(2);
    const history = JSON.stringify(execution!.events);
    expect(history).not.toMatch(/eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\./);
    expect(history).not.toContain(h.simulator.demoTenant.clientSecret);
    expect(history).not.toMatch(/sig=|\/download\?|Bearer /);
  });
});

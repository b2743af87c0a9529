/**
 * The history-event estimate of a run (src/pipeline/history-budget.ts) against Step Functions'
 * 25,000 events per execution, at the most scenarios a run may have, with every step that has no
 * wait loop exhausting its `VendorPacedError` Retry behind a deep pacing queue.
 */
import { describe, expect, it } from 'vitest';
import { STATE_MACHINE_FILES, loadAslDefinition } from '../../../lib/asl-definition.ts';
import { MAX_SCENARIOS } from '../../../src/conditions/scenario-file.ts';
import {
  HISTORY_EVENT_QUOTA,
  maxPolls,
  passEvents,
  runHistoryEvents,
  scenariosWithinQuota,
  type AslStateLike,
  type WaitCycles,
} from '../../../src/pipeline/history-budget.ts';
import { GENERATION_POLL_POLICY, TRAINING_POLL_POLICY } from '../../../src/pipeline/polling.ts';
import { MAX_VENDOR_WAITS } from '../../../src/pipeline/vendor-wait.ts';

type Definition = { States: Record<string, AslStateLike> };
const definitionOf = (name: 'ingest' | 'generate'): Definition =>
  JSON.parse(loadAslDefinition(STATE_MACHINE_FILES[name]).text) as Definition;

/**
 * A 5-minute training and 2-minute generations (the jobs polling.ts sizes its policies for), and
 * every reservation loop (upload, generation request) run twice: its slot, and one missed slot.
 */
const usualJobs: WaitCycles = (wait) =>
  wait === 'WaitForGeneration'
    ? maxPolls(GENERATION_POLL_POLICY, 120)
    : wait === 'WaitForTraining'
      ? maxPolls(TRAINING_POLL_POLICY, 300)
      : 2;

describe.each(['ingest', 'generate'] as const)('%s run history', (name) => {
  const definition = definitionOf(name);

  it(`stays under ${HISTORY_EVENT_QUOTA} events at ${MAX_SCENARIOS} scenarios with every paced step's Retry exhausted`, () => {
    const events = runHistoryEvents(definition, MAX_SCENARIOS, usualJobs);
    expect(events).toBeLessThan(HISTORY_EVENT_QUOTA);
  });

  it(`stays under the quota at ${MAX_SCENARIOS} scenarios with every step waiting its turn as often as it may`, () => {
    const mostWaits: WaitCycles = (wait) =>
      wait.startsWith('WaitForVendorTo') ? MAX_VENDOR_WAITS : usualJobs(wait);
    expect(runHistoryEvents(definition, MAX_SCENARIOS, mostWaits)).toBeLessThan(HISTORY_EVENT_QUOTA);
    // Two more waits per step would not fit: the cap is what keeps the run within it.
    const twoMore: WaitCycles = (wait) => mostWaits(wait) + (wait.startsWith('WaitForVendorTo') ? 2 : 0);
    expect(runHistoryEvents(definition, MAX_SCENARIOS, twoMore)).toBeGreaterThan(HISTORY_EVENT_QUOTA);
  });

  it('counts the paced Retry of the steps without a wait loop only', () => {
    const former = structuredClone(definition);
    const widen = (states: Record<string, AslStateLike>): void => {
      for (const state of Object.values(states)) {
        for (const retrier of state.Retry ?? []) {
          if (retrier.ErrorEquals.includes('VendorPacedError')) Object.assign(retrier, { MaxAttempts: 30 });
        }
        if (state.ItemProcessor) widen(state.ItemProcessor.States);
      }
    };
    widen(former.States);
    const widened = runHistoryEvents(former, MAX_SCENARIOS, usualJobs);
    const events = runHistoryEvents(definition, MAX_SCENARIOS, usualJobs);
    // Ingest: every vendor step waits its turn in a wait loop. Generate: PrepareFeed has none.
    if (name === 'ingest') expect(widened).toBe(events);
    else expect(widened).toBe(events + (30 - 16) * 3);
  });

  it('grows with the scenarios, the polls and the reservation loops', () => {
    const one = runHistoryEvents(definition, 1, usualJobs);
    expect(runHistoryEvents(definition, 2, usualJobs)).toBeGreaterThan(one);
    expect(runHistoryEvents(definition, 1, (w) => usualJobs(w) + 1)).toBeGreaterThan(one);
    expect(scenariosWithinQuota(definition, usualJobs)).toBeGreaterThanOrEqual(MAX_SCENARIOS);
  });
});

describe('history event counting', () => {
  it('counts a Lambda Task 5 events, a retried attempt 3, a wait loop Wait + Task + Choice', () => {
    const states: Record<string, AslStateLike> = {
      Step: { Type: 'Task', Next: 'Done', Retry: [{ ErrorEquals: ['VendorPacedError'], MaxAttempts: 4 }] },
      Done: { Type: 'Choice' },
      WaitAgain: { Type: 'Wait', Next: 'Step' },
    };
    // Step 5, Done 2, the loop 3 × (2 + 5 + 2): a step a Wait runs again waits in its loop.
    expect(passEvents(states, () => 3, 0)).toBe(5 + 2 + 27);
    // Without the loop, its paced Retry runs out: 4 attempts × 3.
    const { WaitAgain: _loop, ...unlooped } = states;
    expect(passEvents(unlooped, () => 3, 0)).toBe(5 + 12 + 2);
  });

  it('polls a job until its deadline at the jitter low end at most', () => {
    expect(maxPolls(GENERATION_POLL_POLICY, 120)).toBe(4);
    expect(maxPolls(GENERATION_POLL_POLICY)).toBeGreaterThan(maxPolls(GENERATION_POLL_POLICY, 600));
  });
});

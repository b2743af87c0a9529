import { describe, expect, it } from 'vitest';
import type { Job, SimulacraApi } from '../../../src/client/contract.ts';
import { VendorPacingError } from '../../../src/client/errors.ts';
import { currentPacingTurn } from '../../../src/client/pacing-reservation.ts';
import { pollJob } from '../../../src/pipeline/poll-job.ts';
import { GENERATION_POLL_POLICY, initialPollState, type PollState } from '../../../src/pipeline/polling.ts';

const created = new Date('2026-05-01T00:00:00Z');
const at = (seconds: number): Date => new Date(created.getTime() + seconds * 1000);
const iso = (seconds: number): string => at(seconds).toISOString().replace('.000Z', 'Z');

function job(over: Partial<Job>): Job {
  return {
    job_id: 'job_1234',
    request_id: 'req_1',
    created_at: iso(0),
    job_type: 'generation_create',
    status: 'running',
    stage: 'sampling',
    started_at: iso(0),
    completed_at: null,
    dataset_id: null,
    generation_id: null,
    error: null,
    meta: { requestId: 'req_1', status: 200 },
    ...over,
  } as Job;
}

const api = (answer: Job): SimulacraApi =>
  ({ getJob: () => Promise.resolve(answer) }) as unknown as SimulacraApi;

function warmState(): PollState {
  return initialPollState(GENERATION_POLL_POLICY, {
    jobId: 'job_1234',
    completed: false,
    now: created,
    estimate: { queueSeconds: 0, runSeconds: 120, spreadSeconds: 0, samples: 4 },
    size: 100,
  });
}

describe('pollJob with a feed estimate', () => {
  it('finds the job done at the first poll and returns its vendor-timed duration', async () => {
    const state = warmState();
    expect(state.nextWaitSeconds).toBe(125);
    const done = job({
      status: 'completed',
      stage: 'completed',
      completed_at: iso(118),
      generation_id: 'gen_1',
      started_at: iso(2),
    });
    const { next, finished } = await pollJob(
      { kind: 'generation', poll: state, expectedId: 'gen_1' },
      { api: api(done), now: () => at(126) },
    );
    expect(next).toMatchObject({ status: 'completed', attempt: 1, waitedSeconds: 125 });
    expect(finished).toEqual({ queueSeconds: 2, runSeconds: 116, size: 100, completedAt: iso(118) });
  });

  it('backs off tightly when the job runs late, aiming from started_at', async () => {
    const late = await pollJob(
      { kind: 'generation', poll: warmState(), expectedId: 'gen_1' },
      { api: api(job({ started_at: iso(30) })), now: () => at(126) },
    );
    // Started 30 s after creation: expected end 30 + 120 + 5 = 155, 29 s after this poll.
    expect(late.next).toMatchObject({
      status: 'running',
      attempt: 1,
      nextWaitSeconds: 29,
      jobStatus: 'running',
    });
    expect(late.finished).toBeNull();
    const again = await pollJob(
      { kind: 'generation', poll: late.next, expectedId: 'gen_1' },
      { api: api(job({ started_at: iso(0) })), now: () => at(156) },
    );
    // Past the expected end: a tenth of the run (12 s), doubled for the second late poll.
    expect(again.next).toMatchObject({ attempt: 2, nextWaitSeconds: 24, waitedSeconds: 154 });
  });

  it('measures the age by the waits when they exceed the clock (a compressed local clock)', async () => {
    const { next } = await pollJob(
      { kind: 'generation', poll: warmState(), expectedId: 'gen_1' },
      { api: api(job({ started_at: iso(0) })), now: () => at(1) },
    );
    // Waited 125 s by the state machine, 1 s by the clock: past the expected end, tight step.
    expect(next.nextWaitSeconds).toBe(12);
  });

  it('falls back to its own measure when the vendor omits timestamps', async () => {
    const done = job({ status: 'completed', started_at: null, completed_at: null, generation_id: 'gen_1' });
    const { finished } = await pollJob(
      { kind: 'generation', poll: warmState(), expectedId: 'gen_1' },
      { api: api(done), now: () => at(130) },
    );
    expect(finished).toMatchObject({ queueSeconds: 0, runSeconds: 130, size: 100 });
  });

  it('keeps the cold schedule for a state without estimate (and from before it)', async () => {
    const legacy: PollState = {
      status: 'running',
      jobId: 'job_1234',
      attempt: 0,
      nextWaitSeconds: 10,
      deadlineAt: at(3600).toISOString(),
      jobStatus: null,
    };
    const { next } = await pollJob(
      { kind: 'generation', poll: legacy, expectedId: 'gen_1' },
      { api: api(job({})), now: () => at(10), random: () => 0.5 },
    );
    expect(next).toEqual({ ...legacy, attempt: 1, nextWaitSeconds: 20, jobStatus: 'running' });
  });
});

describe('pollJob paced by the shared pacing', () => {
  const reservedAt = at(140).getTime();
  it('comes back just before a reserved slot (not after the schedule), carrying it', async () => {
    const paced = {
      getJob: () => Promise.reject(new VendorPacingError('getJob', 14, { operation: 'getJob', reservedAt })),
    } as unknown as SimulacraApi;
    const { next } = await pollJob(
      { kind: 'generation', poll: warmState(), expectedId: 'gen_1' },
      { api: paced, now: () => at(126) },
    );
    expect(next).toMatchObject({
      status: 'running',
      nextWaitSeconds: 14,
      reservation: { operation: 'getJob', reservedAt },
    });
  });

  it('hands the held reservation to the call, and drops it from the next state', async () => {
    let held: unknown = 'none';
    const observing = {
      getJob: () => {
        held = currentPacingTurn()?.held;
        return Promise.resolve(job({}));
      },
    } as unknown as SimulacraApi;
    const poll = { ...warmState(), reservation: { operation: 'getJob', reservedAt } };
    const { next } = await pollJob(
      { kind: 'generation', poll, expectedId: 'gen_1' },
      { api: observing, now: () => at(140) },
    );
    expect(held).toEqual({ operation: 'getJob', reservedAt });
    expect(next.status).toBe('running');
    expect(next).not.toHaveProperty('reservation');
  });
});

import { describe, expect, it } from 'vitest';
import { FaultInjector, FaultSpecError, parseFaultSpec, seededRandom } from '../../../simulator/faults.ts';

describe('parseFaultSpec', () => {
  it('parses the documented example with every rule kind', () => {
    const spec = parseFaultSpec(
      'POST /v1/datasets:503x3; GET /v1/jobs/*:429@retry=1,p=0.3 ;*:latency=200ms;token:expire=5s;download:expire=2s;' +
        'job:fail=generation_failedx2@type=generation;dataset:expire-after=1;reset:GET /v1/generations/*:1;' +
        'truncate:GET /v1/generations/*/download;*:rate=50/s;GET /healthz:500@after=2',
    );
    expect(spec.tokenExpireSeconds).toBe(5);
    expect(spec.downloadExpireSeconds).toBe(2);
    expect(spec.datasetExpireAfterSeconds).toBe(1);
    expect(spec.jobFailures).toEqual([{ code: 'generation_failed', count: 2, jobType: 'generation_create' }]);
    expect(spec.routes).toEqual([
      { route: 'POST /v1/datasets', action: { kind: 'status', status: 503 }, count: 3 },
      {
        route: 'GET /v1/jobs/*',
        action: { kind: 'status', status: 429, retryAfterSeconds: 1 },
        probability: 0.3,
      },
      { route: '*', action: { kind: 'latency', ms: 200 } },
      { route: 'GET /v1/generations/*', action: { kind: 'reset' }, count: 1 },
      { route: 'GET /v1/generations/*/download', action: { kind: 'truncate' } },
      { route: '*', action: { kind: 'rate', perSecond: 50 } },
      { route: 'GET /healthz', action: { kind: 'status', status: 500 }, after: 2 },
    ]);
  });

  it('rejects unknown rules, actions, parameters and probabilities with the grammar hint', () => {
    expect(() => parseFaultSpec('GET /x:418')).toThrow(FaultSpecError);
    expect(() => parseFaultSpec('GET /x:418')).toThrow(
      /Unknown fault action "418".*docs\/simulator.md, "Fault injection"/,
    );
    expect(() => parseFaultSpec('token:forever')).toThrow(/Unknown fault rule/);
    expect(() => parseFaultSpec('GET /x:503@q=1')).toThrow(/Unknown parameter/);
    expect(() => parseFaultSpec('GET /x:503@p=2')).toThrow(/between 0 and 1/);
    expect(() => parseFaultSpec('nothing')).toThrow(/no "<route>:<action>"/);
    expect(() => parseFaultSpec('*:latency=abc')).toThrow(/Unknown fault action/);
  });
});

describe('FaultInjector', () => {
  it('fires a counted status fault for the first N matching requests only', () => {
    const faults = new FaultInjector('POST /v1/datasets:503x2', 1);
    const statuses = [1, 2, 3].map(
      () => faults.forRequest('POST', '/v1/datasets', '/v1/datasets', 0).status?.status,
    );
    expect(statuses).toEqual([503, 503, undefined]);
    expect(faults.forRequest('GET', '/v1/datasets', '/v1/datasets', 0).status).toBeUndefined();
    expect(Object.fromEntries(faults.fired)).toEqual({ 'status:503': 2 });
  });

  it('matches globs on the path and on the route template, and honours after=', () => {
    const faults = new FaultInjector('GET /v1/jobs/{job_id}:429@retry=3,after=1', 1);
    expect(faults.forRequest('GET', '/v1/jobs/job_abcd', '/v1/jobs/{job_id}', 0).status).toBeUndefined();
    expect(faults.forRequest('GET', '/v1/jobs/job_abcd', '/v1/jobs/{job_id}', 0).status).toEqual({
      status: 429,
      retryAfterSeconds: 3,
      rateLimited: false,
    });
    const glob = new FaultInjector('GET /v1/**:reset', 1);
    expect(glob.forRequest('GET', '/v1/generations/gen_1/download', null, 0).reset).toBe(true);
  });

  it('adds latency, truncation and resets together', () => {
    const faults = new FaultInjector('*:latency=20ms;*:latency=0.01s;truncate:GET /a:1', 1);
    expect(faults.forRequest('GET', '/a', null, 0)).toEqual({ latencyMs: 30, reset: false, truncate: true });
    expect(faults.forRequest('GET', '/a', null, 0)).toEqual({ latencyMs: 30, reset: false, truncate: false });
  });

  it('uses the seeded RNG for probabilistic faults, repeatably', () => {
    const run = () => {
      const faults = new FaultInjector('*:503@p=0.3', 42);
      return Array.from({ length: 200 }, () => faults.forRequest('GET', '/x', null, 0).status !== undefined);
    };
    const first = run();
    expect(run()).toEqual(first);
    const fired = first.filter(Boolean).length;
    expect(fired).toBeGreaterThan(30);
    expect(fired).toBeLessThan(90);
    expect(seededRandom(1)()).toBe(seededRandom(1)());
  });

  it('limits requests per second with 429 and a Retry-After', () => {
    const faults = new FaultInjector('*:rate=2/s', 1);
    expect(faults.forRequest('GET', '/x', null, 1000).status).toBeUndefined();
    expect(faults.forRequest('GET', '/x', null, 1100).status).toBeUndefined();
    expect(faults.forRequest('GET', '/x', null, 1200).status).toEqual({
      status: 429,
      retryAfterSeconds: 1,
      rateLimited: true,
    });
    expect(faults.forRequest('GET', '/x', null, 2001).status).toBeUndefined();
  });

  it('hands out job failures per type and count', () => {
    const faults = new FaultInjector('job:fail=training_failedx1@type=dataset;job:fail=generation_failed', 1);
    expect(faults.takeJobFailure('generation_create')).toBe('generation_failed');
    expect(faults.takeJobFailure('dataset_create')).toBe('training_failed');
    expect(faults.takeJobFailure('dataset_create')).toBe('generation_failed');
    expect(new FaultInjector(undefined, 1).takeJobFailure('dataset_create')).toBeUndefined();
  });

  it('accepts the object form', () => {
    const faults = new FaultInjector(
      { routes: [{ route: '*', action: { kind: 'status', status: 502 }, count: 1 }] },
      1,
    );
    expect(faults.forRequest('GET', '/', null, 0).status?.status).toBe(502);
    expect(faults.forRequest('GET', '/', null, 0).status).toBeUndefined();
  });
});

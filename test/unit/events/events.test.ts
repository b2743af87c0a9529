import { describe, expect, it } from 'vitest';
import { DETAIL_TYPES, DetailType, EVENT_SOURCE } from '../../../src/events/catalog.ts';
import {
  eventId,
  runFinishedEvent,
  scenarioFailedEvent,
  scenarioLandedEvent,
  seedAcceptedEvent,
  seedRejectedEvent,
  type PipelineEvent,
  type RunContext,
} from '../../../src/events/entries.ts';
import { EVENT_SCHEMAS, schemaName } from '../../../src/events/schemas.ts';
import * as pkg from '../../../lib/index.ts';
import { asDelivered, eventSchemaProblems } from '../../support/event-schemas.ts';
import { seed } from '../../support/fake-vendor-api.ts';

const at = '2026-05-01T17:30:00.000Z';
const run: RunContext & { feed: string } = {
  runId: 'generate-retail-20260501',
  kind: 'generate',
  feed: 'retail',
  executionArn: 'arn:aws:states:us-east-1:123456789012:execution:gen:generate-retail-20260501',
  datasetId: 'ds_1',
  seed,
};
const failure = {
  error: 'VendorTerminalError',
  code: 'simio_quota_exhausted',
  detail: 'The tenant row quota is used up.',
  message: null,
  status: 402,
  request_id: 'req_1',
  x_request_id: 'x_1',
  operation: 'createGeneration',
  job_id: null,
  dataset_id: 'ds_1',
  generation_id: null,
};
const output = {
  scenario: 'base',
  generationId: 'gen_1',
  jobId: null,
  outputKey: 'synthetic/feed=retail/scenario=base/dt=2026-05-01/gen_1.parquet',
  manifestKey: '_manifests/feed=retail/scenario=base/dt=2026-05-01/gen_1.json',
  format: 'parquet',
  rowsGenerated: 10,
  partial: false,
  bytes: 100,
};

/** One event of every detail type, as the pipeline builds them. */
const oneOfEach: PipelineEvent[] = [
  seedAcceptedEvent({ runId: 'ingest-retail-1', feed: 'retail', seed, executionArn: 'arn:x', at }),
  seedRejectedEvent({
    runId: 'ingest-unknown-1',
    feed: null,
    folder: 'Retail.EU',
    seed,
    rejection: { code: 'invalid_feed_name', reason: 'feed name "Retail.EU" is invalid' },
    at,
  }),
  scenarioLandedEvent(run, output),
  scenarioFailedEvent(run, { name: 'premium', outcome: 'failed', failure }),
  runFinishedEvent(run, { status: 'PARTIAL', landed: 1, failed: 1, failure: null, finishedAt: at }),
  runFinishedEvent(run, { status: 'FAILED', landed: 0, failed: 0, failure, finishedAt: at }),
];

function delivered(event: PipelineEvent): Record<string, unknown> {
  return asDelivered({ source: EVENT_SOURCE, detailType: event.detailType, detail: event.detail });
}

describe('pipeline event schemas', () => {
  it('has one draft-04 schema per detail type, named for the registry', () => {
    expect(Object.keys(EVENT_SCHEMAS).sort()).toEqual([...DETAIL_TYPES].sort());
    expect(DETAIL_TYPES).toEqual([
      'Seed Accepted',
      'Seed Rejected',
      'Scenario Landed',
      'Scenario Failed',
      'Run Finished',
    ]);
    for (const detailType of DETAIL_TYPES) {
      expect(EVENT_SCHEMAS[detailType]).toMatchObject({
        $schema: 'http://json-schema.org/draft-04/schema#',
      });
      expect(schemaName(detailType)).toMatch(/^simulacra\.pipeline@[A-Za-z]+$/);
    }
  });

  it('exports the schemas and detail types from the package', () => {
    expect(pkg.EVENT_SCHEMAS).toBe(EVENT_SCHEMAS);
    expect(pkg.DetailType).toBe(DetailType);
  });

  it.each(oneOfEach.map((event) => [event.detailType, event] as const))(
    'validates a built %s event',
    (_, event) => {
      expect(eventSchemaProblems(delivered(event))).toEqual([]);
    },
  );

  it('refuses undocumented fields, wrong enums and missing ids', () => {
    const landed = scenarioLandedEvent(run, output);
    const extra = { ...landed, detail: { ...landed.detail, artifactUrl: 'https://x' } };
    expect(eventSchemaProblems(delivered(extra as PipelineEvent))).toEqual([
      expect.stringContaining('must NOT have additional properties'),
    ]);
    const finished = runFinishedEvent(run, {
      status: 'SUCCEEDED',
      landed: 1,
      failed: 0,
      failure: null,
      finishedAt: at,
    });
    const wrong = { ...finished, detail: { ...finished.detail, status: 'DONE', eventId: 'x' } };
    expect(eventSchemaProblems(delivered(wrong as PipelineEvent))).toHaveLength(2);
  });
});

describe('event ids', () => {
  it('are stable for one outcome and differ between outcomes', () => {
    const again = scenarioLandedEvent(run, output);
    expect(again.detail.eventId).toBe(scenarioLandedEvent(run, output).detail.eventId);
    expect(scenarioLandedEvent(run, { ...output, generationId: 'gen_2' }).detail.eventId).not.toBe(
      again.detail.eventId,
    );
    // The same run id finished again by another execution (a scheduled slot re-run) is a new outcome.
    const first = runFinishedEvent(run, { status: 'FAILED', landed: 0, failed: 0, failure, finishedAt: at });
    const rerun = runFinishedEvent(
      { ...run, executionArn: `${run.executionArn}-2` },
      { status: 'SUCCEEDED', landed: 1, failed: 0, failure: null, finishedAt: at },
    );
    expect(rerun.detail.eventId).not.toBe(first.detail.eventId);
    // ...but the time it was (re)sent at is not part of the identity.
    const later = runFinishedEvent(run, {
      status: 'FAILED',
      landed: 0,
      failed: 0,
      failure,
      finishedAt: '2026-05-02T00:00:00.000Z',
    });
    expect(later.detail.eventId).toBe(first.detail.eventId);
    expect(eventId(DetailType.seedAccepted, 'a')).toMatch(/^evt_[0-9a-f]{40}$/);
  });
});

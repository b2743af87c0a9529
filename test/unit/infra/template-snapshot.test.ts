import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { describe, expect, it } from 'vitest';
import { synthPipeline, type CfnTemplateJson } from '../../support/infra-fixtures.ts';

/**
 * The template with content hashes (asset keys, bundle hashes) replaced, so the snapshot changes
 * only when the infrastructure does, not when a handler's code does.
 */
export function normalizeTemplate(json: CfnTemplateJson): unknown {
  const text = JSON.stringify(json, null, 2)
    .replace(/[0-9a-f]{64}(\.(zip|json))?/g, '<asset-hash>$1')
    .replace(/"cdk-hnb659fds-assets-[^"]*"/g, '"<asset-bucket>"');
  return JSON.parse(text) as unknown;
}

describe('SimulacraPipeline template', () => {
  it('matches the snapshot (hashes normalized)', () => {
    const { json } = synthPipeline({
      feeds: ['customers'],
      schedules: [
        { feed: 'customers', schedule: scheduler.ScheduleExpression.expression('cron(0 6 * * ? *)') },
      ],
    });
    expect(normalizeTemplate(json)).toMatchSnapshot();
  });

  it('normalizes asset hashes only', () => {
    const hash = 'a'.repeat(64);
    expect(
      normalizeTemplate({
        Resources: { F: { Type: 'X', Properties: { S3Key: `${hash}.zip`, Name: 'keep' } } },
      }),
    ).toEqual({ Resources: { F: { Type: 'X', Properties: { S3Key: '<asset-hash>.zip', Name: 'keep' } } } });
  });
});

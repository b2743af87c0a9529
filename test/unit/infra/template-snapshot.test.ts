import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { describe, expect, it } from 'vitest';
import { normalizeTemplate, synthPipeline } from '../../support/infra-fixtures.ts';

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

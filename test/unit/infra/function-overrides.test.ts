import { Duration, Size } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { validateSimulacraPipelineProps } from '../../../lib/props-validation.ts';
import { synthPipeline } from '../../support/infra-fixtures.ts';

describe('functionOverrides', () => {
  it('sets memory, timeout, reserved concurrency and architecture of the named function only', () => {
    const { pipeline, stack, json } = synthPipeline({
      vendorConcurrency: 3,
      functionOverrides: {
        LandArtifact: {
          memorySize: 4096,
          timeout: Duration.minutes(10),
          architecture: lambda.Architecture.X86_64,
        },
        PollJob: { reservedConcurrency: 7 },
      },
    });
    const props = (id: string): Record<string, unknown> =>
      json.Resources[stack.getLogicalId(pipeline.functions[id]!.node.defaultChild as never)]!.Properties!;
    expect(props('LandArtifact')).toMatchObject({
      MemorySize: 4096,
      Timeout: 600,
      Architectures: ['x86_64'],
    });
    expect(props('PollJob')).toMatchObject({ ReservedConcurrentExecutions: 7, Architectures: ['arm64'] });
    expect(props('UploadSeed')).toMatchObject({ ReservedConcurrentExecutions: 3, Architectures: ['arm64'] });
  });

  it("sets LandArtifact's /tmp and tells its handler the same size; other functions keep Lambda's 512 MB", () => {
    const { pipeline, stack, json } = synthPipeline({
      functionOverrides: { LandArtifact: { ephemeralStorageSize: Size.gibibytes(2) } },
    });
    const props = (id: string): Record<string, unknown> =>
      json.Resources[stack.getLogicalId(pipeline.functions[id]!.node.defaultChild as never)]!.Properties!;
    expect(props('LandArtifact')).toMatchObject({
      EphemeralStorage: { Size: 2048 },
      Environment: { Variables: expect.objectContaining({ EPHEMERAL_STORAGE_MB: '2048' }) },
    });
    expect(props('UploadSeed')['EphemeralStorage']).toBeUndefined();
    const defaults = synthPipeline({});
    const landing = defaults.json.Resources[
      defaults.stack.getLogicalId(defaults.pipeline.functions['LandArtifact']!.node.defaultChild as never)
    ]!.Properties as {
      EphemeralStorage: { Size: number };
      Environment: { Variables: Record<string, unknown> };
    };
    expect(String(landing.EphemeralStorage.Size)).toBe(landing.Environment.Variables['EPHEMERAL_STORAGE_MB']);
  });

  it('reports every bad override at once', () => {
    expect(() =>
      validateSimulacraPipelineProps({
        functionOverrides: {
          Nope: {},
          LandArtifact: {
            memorySize: 64,
            timeout: Duration.minutes(20),
            reservedConcurrency: -1,
            ephemeralStorageSize: Size.mebibytes(256),
          },
        },
      }),
    ).toThrow(
      expect.objectContaining({
        problems: [
          expect.stringContaining('functionOverrides.Nope: there is no function "Nope"'),
          expect.stringContaining('functionOverrides.LandArtifact.memorySize is 64'),
          expect.stringContaining('functionOverrides.LandArtifact.reservedConcurrency is -1'),
          expect.stringContaining('functionOverrides.LandArtifact.ephemeralStorageSize is 256 MiB'),
          expect.stringContaining('functionOverrides.LandArtifact.timeout is 20 minutes'),
        ],
      }),
    );
  });
});

/**
 * The construct's shared vendor pacing and throttling settings: the rate reaches every
 * vendor-calling function (and only those), bad values are refused with the fix, and a Lambda
 * throttled by reserved concurrency (vendorConcurrency) waits its turn in the state machines.
 */
import { describe, expect, it } from 'vitest';
import { STATE_MACHINE_FILES, loadAslDefinition } from '../../../lib/asl-definition.ts';
import { PipelineEnv, pipelineFunctions } from '../../../lib/pipeline-functions.ts';
import { synthPipeline } from '../../support/infra-fixtures.ts';

type Env = Record<string, string> | undefined;

describe('vendorRequestsPerSecond', () => {
  it('sets the shared pacing on vendor-calling functions only, burst defaulting to the rate', () => {
    const { json: doc, pipeline: p, stack: s } = synthPipeline({ vendorRequestsPerSecond: 2.5 });
    for (const spec of pipelineFunctions) {
      const fn = doc.Resources[s.getLogicalId(p.functions[spec.id]!.node.defaultChild as never)]!;
      const env = (fn.Properties?.['Environment'] as { Variables?: Env } | undefined)?.Variables;
      if (spec.env.includes(PipelineEnv.credentialsSecretArn)) {
        expect(env, spec.id).toMatchObject({ VENDOR_REQUESTS_PER_SECOND: '2.5', VENDOR_REQUEST_BURST: '3' });
      } else {
        expect(env?.['VENDOR_REQUESTS_PER_SECOND'], spec.id).toBeUndefined();
      }
    }
  });

  it('passes an explicit burst', () => {
    const {
      json: doc,
      pipeline: p,
      stack: s,
    } = synthPipeline({
      vendorRequestsPerSecond: 10,
      vendorRequestBurst: 4,
    });
    const fn = doc.Resources[s.getLogicalId(p.functions['CreateGeneration']!.node.defaultChild as never)]!;
    expect(fn.Properties?.['Environment']).toMatchObject({
      Variables: { VENDOR_REQUESTS_PER_SECOND: '10', VENDOR_REQUEST_BURST: '4' },
    });
  });

  it('refuses a rate out of range and a burst without a rate, naming the fix', () => {
    expect(() => synthPipeline({ vendorRequestsPerSecond: 0 })).toThrow(
      /vendorRequestsPerSecond is 0; use a number from 0.1 to 1000/,
    );
    expect(() => synthPipeline({ vendorRequestBurst: 3 })).toThrow(
      /vendorRequestBurst is set without vendorRequestsPerSecond/,
    );
  });
});

describe('Lambda throttling (vendorConcurrency) waits its turn', () => {
  interface Retrier {
    ErrorEquals: string[];
    MaxAttempts?: number;
    MaxDelaySeconds?: number;
    JitterStrategy?: string;
  }
  function retriers(node: unknown, into: Retrier[] = []): Retrier[] {
    if (Array.isArray(node)) for (const item of node) retriers(item, into);
    else if (typeof node === 'object' && node !== null) {
      const record = node as Record<string, unknown>;
      if (Array.isArray(record['Retry'])) into.push(...(record['Retry'] as Retrier[]));
      for (const value of Object.values(record)) retriers(value, into);
    }
    return into;
  }

  it.each(Object.keys(STATE_MACHINE_FILES))(
    '%s: every Task retries Lambda.TooManyRequestsException on its own, for about 50 minutes',
    (name) => {
      const definition = JSON.parse(
        loadAslDefinition(STATE_MACHINE_FILES[name as keyof typeof STATE_MACHINE_FILES]).text,
      ) as unknown;
      const all = retriers(definition);
      const lambdaThrottled = all.filter((r) => r.ErrorEquals.includes('Lambda.TooManyRequestsException'));
      expect(lambdaThrottled.length).toBeGreaterThan(3);
      for (const retrier of lambdaThrottled) {
        expect(retrier).toMatchObject({
          ErrorEquals: ['Lambda.TooManyRequestsException'],
          MaxAttempts: 100,
          MaxDelaySeconds: 60,
          JitterStrategy: 'FULL',
        });
      }
    },
  );
});

import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import {
  AwsRetryableError,
  InputValidationError,
  VendorRetryableError,
  VendorTerminalError,
  parseFailureCause,
  toStateError,
} from '../../../src/contracts/state-errors.ts';
import { SimulacraNetworkError } from '../../../src/client/errors.ts';
import { apiError } from '../../support/fake-vendor-api.ts';

describe('toStateError', () => {
  it('maps retryable vendor problems to VendorRetryableError and keeps the ids', () => {
    const err = toStateError(apiError(503, null, 'busy', { retryable: true }), { job_id: 'job_abcd' });
    expect(err).toBeInstanceOf(VendorRetryableError);
    expect(err.name).toBe('VendorRetryableError');
    expect(err.details).toMatchObject({
      status: 503,
      code: 'http_503',
      job_id: 'job_abcd',
      request_id: 'req_problem1',
    });
  });

  it('maps terminal vendor problems to VendorTerminalError with code, detail and request id', () => {
    const err = toStateError(apiError(400, 'simio_unknown_condition_column', "Unknown column 'x'"), {
      dataset_id: 'ds_1',
    });
    expect(err).toBeInstanceOf(VendorTerminalError);
    expect(JSON.parse(err.message)).toMatchObject({
      code: 'simio_unknown_condition_column',
      detail: "Unknown column 'x'",
      request_id: 'req_problem1',
      dataset_id: 'ds_1',
    });
  });

  it('maps network errors, zod errors and throttled AWS calls', () => {
    expect(toStateError(new SimulacraNetworkError('getJob', 'socket hang up'))).toBeInstanceOf(
      VendorRetryableError,
    );
    const zod = z.object({ a: z.string() }).safeParse({});
    expect(toStateError(zod.error)).toBeInstanceOf(InputValidationError);
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 400 },
    });
    expect(toStateError(throttled)).toBeInstanceOf(AwsRetryableError);
    // Timed out or reset after the SDK's own retries (it sets $metadata on every error it throws).
    const timedOut = Object.assign(new Error('Connection timed out after 1000 ms'), {
      name: 'TimeoutError',
      $metadata: { attempts: 3 },
    });
    expect(toStateError(timedOut)).toBeInstanceOf(AwsRetryableError);
    const reset = Object.assign(new Error('socket hang up'), {
      code: 'ECONNRESET',
      $metadata: { attempts: 3 },
    });
    expect(toStateError(reset)).toBeInstanceOf(AwsRetryableError);
    expect(toStateError(new Error('boom'))).toBeInstanceOf(VendorTerminalError);
  });

  it('never carries URLs or tokens in the message', () => {
    const err = toStateError(
      new SimulacraNetworkError(
        'downloadArtifact',
        'GET https://storage.example/x?X-Amz-Signature=abc failed, Bearer eyJhbGciOi.eyJzdWIiOi.sig /v1/generations/g1/download?expires=1&sig=ff',
      ),
    );
    expect(err.message).not.toMatch(/https:|eyJ|sig=|X-Amz/);
    const claim = toStateError(new Error('claim cred_0123456789abcdef0123456789abcdef refused'));
    expect(claim.details.message).toBe('Error: claim [REDACTED_CLAIM_TOKEN] refused');
  });

  it('keeps S3 URIs, which carry no credential and name the object to fix', () => {
    const message = 's3://seeds/seeds/retail/scenarios.json#v1 is not a valid scenario file';
    expect(toStateError(new Error(message)).details.message).toBe(`Error: ${message}`);
  });
});

describe('parseFailureCause', () => {
  const details = { message: 'm', code: 'c', detail: 'd', request_id: 'req_1', generation_id: 'gen_1' };
  it('reads the AWS Lambda error envelope', () => {
    const cause = JSON.stringify({ errorType: 'VendorTerminalError', errorMessage: JSON.stringify(details) });
    expect(parseFailureCause('VendorTerminalError', cause)).toMatchObject({
      ...details,
      error: 'VendorTerminalError',
    });
  });

  it('reads the bare message of local runs', () => {
    expect(parseFailureCause('VendorTerminalError', JSON.stringify(details))).toMatchObject(details);
  });

  it('keeps unstructured causes as detail', () => {
    expect(parseFailureCause('States.Timeout', 'Task timed out')).toMatchObject({
      error: 'States.Timeout',
      code: null,
      detail: 'Task timed out',
    });
  });
});

/** A `SimulacraApi` for unit tests: every operation fails loudly unless the test stubs it. */
import { vi, type Mock } from 'vitest';
import type { ResponseMeta, SimulacraApi } from '../../src/client/contract.ts';
import { SimulacraApiError } from '../../src/client/errors.ts';

export type FakeApi = { [K in keyof SimulacraApi]: Mock<SimulacraApi[K]> };

export const meta: ResponseMeta = { httpStatus: 200, xRequestId: 'req_x', attempts: 1 };

export function fakeApi(stubs: Partial<SimulacraApi> = {}): FakeApi {
  const names: (keyof SimulacraApi)[] = [
    'submitSignupRequest',
    'getSignupRequest',
    'claimCredentials',
    'rotateCredentials',
    'createCredentialRotationRequest',
    'getCredentialRotationRequest',
    'createDataset',
    'listDatasets',
    'getDataset',
    'deleteDataset',
    'getDatasetSchema',
    'extendDatasetRetention',
    'createGeneration',
    'listDatasetGenerations',
    'getGeneration',
    'getJob',
    'downloadArtifact',
    'getHealth',
    'getErrorCatalogEntry',
  ];
  const api: Record<string, Mock> = {};
  for (const name of names) {
    api[name] = vi.fn(
      stubs[name] ??
        (() => {
          throw new Error(`unexpected vendor call: ${name}`);
        }),
    );
  }
  return api as unknown as FakeApi;
}

/** A vendor problem response as the client raises it. */
export function apiError(
  status: number,
  code: string | null,
  detail: string,
  options: { retryable?: boolean; retryAfterSeconds?: number; operation?: string } = {},
): SimulacraApiError {
  return new SimulacraApiError({
    operation: options.operation ?? 'op',
    problem: {
      type: code ? `https://api.simulacra-data.com/errors/${code}` : 'about:blank',
      title: 'Problem',
      status,
      detail,
      code,
      request_id: 'req_problem1',
    },
    xRequestId: 'req_problem1',
    retryable: options.retryable ?? false,
    retryAfterSeconds: options.retryAfterSeconds ?? null,
  });
}

export const seed = {
  bucket: 'acme-seeds',
  key: 'seeds/retail-panel/panel-2026-05.csv',
  versionId: 'v1',
  etag: '"etag1"',
  size: 52431,
  eventTime: '2026-05-01T17:30:00Z',
};

/** The vendor's answer to an upload whose training runs on. */
export const trainingDataset = {
  dataset_id: 'ds_1',
  status: 'processing',
  request_id: 'req_1',
  job_id: 'job_train1',
  expires_at: null,
  cleaning_summary: null,
  training_summary: null,
  meta,
} as const;

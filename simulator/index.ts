/**
 * The Simulacra API simulator: a faithful local stand-in for the vendor (auth, onboarding,
 * datasets, generations, jobs, artifacts, retention, idempotency, faults). Start it with
 * {@link startSimulator}; see docs/simulator.md.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KMSClient, type KMSClientConfig } from '@aws-sdk/client-kms';
import { serveStorageObject } from './artifacts.ts';
import { mintToken } from './auth.ts';
import {
  approveSignup,
  claimCredentials,
  completeRotationRequest,
  createRotationRequest,
  createTenantClient,
  declineSignup,
  getRotationRequest,
  getSignup,
  issueSecret,
  rotateCredentials,
  submitSignup,
} from './credentials.ts';
import { Counters, type SimulatorCounters } from './counters.ts';
import { SensitiveLedger, type SensitiveValue } from './sensitive.ts';
import {
  resolveConfig,
  type SimContext,
  type SimulatorLimits,
  type SimulatorRetention,
  type SimulatorTimings,
} from './context.ts';
import {
  createDataset,
  deleteDataset,
  extendDataset,
  getDataset,
  getDatasetSchema,
  listDatasets,
} from './datasets.ts';
import { datasetWorker, expireDatasetNow } from './dataset-lifecycle.ts';
import { loadDefaultEngine, type SimulatorEngine } from './engine-port.ts';
import { FaultInjector, type FaultSpec } from './faults.ts';
import {
  createGeneration,
  downloadArtifact,
  generationWorker,
  getGeneration,
  listGenerations,
} from './generations.ts';
import { getJob, JobRunner } from './jobs.ts';
import { Router } from './router.ts';
import { createListener } from './server.ts';
import { getError, health, landing, listErrors, openApiJson } from './service.ts';
import { Store, type SignupRecord } from './store.ts';

export type { SimulatorCounters } from './counters.ts';
export type { SensitiveKind, SensitiveValue } from './sensitive.ts';
export type { FaultSpec, RouteFault, FaultAction, JobFault } from './faults.ts';
export { parseFaultSpec, FaultSpecError } from './faults.ts';
export type { SimulatorEngine } from './engine-port.ts';
export type { SimulatorTimings, SimulatorRetention, SimulatorLimits } from './context.ts';

/** Options of {@link startSimulator}; everything is optional. */
export interface SimulatorOptions {
  /** API port (default 0 = a free port). */
  readonly port?: number;
  /** Listen address (default 127.0.0.1). */
  readonly host?: string;
  /** `managed` (default): relay downloads. `enterprise`: KMS envelope encryption + storage listener. */
  readonly mode?: 'managed' | 'enterprise';
  /** Approve signups and complete operator rotation requests immediately. */
  readonly autoApprove?: boolean;
  /** Fault specification (string grammar or object), see `simulator/faults.ts`. */
  readonly faults?: string | FaultSpec;
  readonly timings?: SimulatorTimings;
  /** Persist state and blobs here and reload them on start. */
  readonly persistDir?: string;
  /** Enterprise mode: the customer's KMS (e.g. moto) and key. */
  readonly enterprise?: { readonly kms: KMSClientConfig; readonly keyId: string };
  /** Seed of the fault RNG (default 1). */
  readonly seed?: number;
  /** Port of the enterprise storage listener (default 0). */
  readonly storagePort?: number;
  /** Token audience (default `https://api.simulacra-data.com`). */
  readonly audience?: string;
  /** How null fields are sent: `empty-object` (`{}`, as the vendor's examples; default) or `null`. */
  readonly nullStyle?: 'empty-object' | 'null';
  /**
   * How generations make rows: `perturbed` (default; every row rebuilt from neighbours and
   * jittered), `bootstrap` (smoothed bootstrap; returns seed rows verbatim when columns are few
   * or coarse) or `copy` (seed rows verbatim, to prove a publish gate fires).
   */
  readonly generationMode?: 'bootstrap' | 'perturbed' | 'copy';
  readonly retention?: SimulatorRetention;
  readonly limits?: SimulatorLimits;
  /** Data engine override (tests); defaults to `simulator/engine/`. */
  readonly engine?: SimulatorEngine;
  /** Clock override in ms (retention tests); defaults to `Date.now`. */
  readonly now?: () => number;
}

/** Credentials of a tenant created by the operator. */
export interface TenantCredentials {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

/** Operator actions (what Simulacra staff do by hand). */
export interface SimulatorOperator {
  approveSignup(requestId: string): void;
  declineSignup(requestId: string): void;
  completeRotationRequest(rotationRequestId: string): void;
  /** Expires a dataset now, as if its retention window ended. */
  expireDataset(datasetId: string): void;
  /** Creates an approved tenant with a claimed secret. */
  createTenant(companyName: string): TenantCredentials;
  /** Changes a tenant's row quota and/or per-request cap. */
  setTenantLimits(tenantId: string, limits: { rowQuota?: number; perRequestCap?: number }): void;
  /** A tenant's row usage: committed (billed) and reserved (in flight) rows against its quota. */
  tenantUsage(tenantId: string): { rowQuota: number; rowsCommitted: number; rowsReserved: number };
  /** Signup requests by id (for operator tooling and tests). */
  signups(): readonly Readonly<SignupRecord>[];
  /** The tenant id of a client. */
  tenantOf(clientId: string): string | null;
}

/** A running simulator. */
export interface RunningSimulator {
  /** API origin, e.g. `http://127.0.0.1:4010`. */
  readonly apiBase: string;
  /** Auth0-style token URL (`${apiBase}/oauth/token`). */
  readonly tokenUrl: string;
  readonly audience: string;
  readonly mode: 'managed' | 'enterprise';
  /** Origin of the enterprise storage listener (empty in managed mode). */
  readonly storageBase: string;
  /** A pre-approved tenant with a claimed secret. */
  readonly demoTenant: TenantCredentials;
  counters(): SimulatorCounters;
  resetCounters(): void;
  /** Every bearer token, client secret, claim token and artifact URL handed out so far. */
  sensitiveValues(): readonly SensitiveValue[];
  setFaults(spec: string | FaultSpec | undefined): void;
  /** Switches how later generation jobs make rows (e.g. `copy` to prove a publish gate fires). */
  setGenerationMode(mode: 'bootstrap' | 'perturbed' | 'copy'): void;
  readonly operator: SimulatorOperator;
  close(): Promise<void>;
}

async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

function originOf(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Starts the simulator on a loopback port. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const config = resolveConfig(options);
  if (config.mode === 'enterprise' && !options.enterprise) {
    throw new Error(
      'Enterprise mode needs options.enterprise = { kms: KMSClientConfig, keyId } (e.g. a moto KMS key).',
    );
  }
  const host = options.host ?? '127.0.0.1';
  const store = new Store({
    ...(options.persistDir ? { persistDir: options.persistDir } : {}),
    newSigningKey: () => randomBytes(32).toString('base64'),
  });
  let enginePromise: Promise<SimulatorEngine> | null = options.engine
    ? Promise.resolve(options.engine)
    : null;
  const seed = options.seed ?? 1;
  const ctx: SimContext = {
    config,
    store,
    counters: new Counters(),
    faults: new FaultInjector(options.faults, seed),
    generationMode: config.generationMode,
    now: options.now ?? Date.now,
    engine: () => (enginePromise ??= loadDefaultEngine()),
    apiBase: '',
    storageBase: '',
    sensitive: new SensitiveLedger(),
    kms: options.enterprise
      ? { client: new KMSClient(options.enterprise.kms), keyId: options.enterprise.keyId }
      : null,
  };
  const runner = new JobRunner(ctx, {
    dataset_create: datasetWorker(ctx),
    generation_create: generationWorker(ctx),
  });
  const autoApprove = options.autoApprove ?? false;
  const tokenUrl = () => `${ctx.apiBase}/oauth/token`;

  const api = new Router()
    .add('GET', '/', landing)
    .add('GET', '/docs', landing)
    .add('GET', '/__docs__/', landing)
    .add('GET', '/healthz', health)
    .add('GET', '/openapi.json', openApiJson)
    .add('GET', '/errors', listErrors)
    .add('GET', '/errors/{code}', getError)
    .add('POST', '/oauth/token', (rc) => mintToken(ctx, rc))
    .add('POST', '/v1/signup', (rc) => submitSignup(ctx, rc, autoApprove))
    .add('GET', '/v1/signup/{request_id}', (rc) => getSignup(ctx, rc))
    .add('POST', '/v1/credential-claims', (rc) => claimCredentials(ctx, rc, tokenUrl()))
    .add('POST', '/v1/credential-rotations', (rc) => rotateCredentials(ctx, rc))
    .add('POST', '/v1/credential-rotation-requests', (rc) => createRotationRequest(ctx, rc, autoApprove))
    .add('GET', '/v1/credential-rotation-requests/{rotation_request_id}', (rc) => getRotationRequest(ctx, rc))
    .add('POST', '/v1/datasets', (rc) => createDataset(ctx, rc, runner))
    .add('GET', '/v1/datasets', (rc) => listDatasets(ctx, rc))
    .add('GET', '/v1/datasets/{dataset_id}', (rc) => getDataset(ctx, rc, runner))
    .add('DELETE', '/v1/datasets/{dataset_id}', (rc) => deleteDataset(ctx, rc, runner))
    .add('GET', '/v1/datasets/{dataset_id}/schema', (rc) => getDatasetSchema(ctx, rc, runner))
    .add('POST', '/v1/datasets/{dataset_id}/extend', (rc) => extendDataset(ctx, rc, runner))
    .add('POST', '/v1/datasets/{dataset_id}/generations', (rc) => createGeneration(ctx, rc, runner))
    .add('GET', '/v1/datasets/{dataset_id}/generations', (rc) => listGenerations(ctx, rc, runner))
    .add('GET', '/v1/generations/{generation_id}', (rc) => getGeneration(ctx, rc))
    .add('GET', '/v1/generations/{generation_id}/download', (rc) => downloadArtifact(ctx, rc))
    .add('GET', '/v1/jobs/{job_id}', (rc) => getJob(ctx, rc));
  const storage = new Router().add('GET', '/objects/{tenant_id}/{file}', (rc) => serveStorageObject(ctx, rc));

  const apiServer = createServer(createListener(ctx, api, () => ctx.apiBase));
  const storageServer =
    config.mode === 'enterprise' ? createServer(createListener(ctx, storage, () => ctx.storageBase)) : null;
  ctx.apiBase = originOf(host, await listen(apiServer, options.port ?? 0, host));
  if (storageServer)
    ctx.storageBase = originOf(host, await listen(storageServer, options.storagePort ?? 0, host));

  if (!store.data.demo) {
    const { tenantId, clientId } = createTenantClient(ctx, 'Simulacra Demo Tenant');
    store.data.demo = { tenantId, clientId, clientSecret: issueSecret(ctx, clientId) };
    store.save();
  }
  const demo = store.data.demo;

  // A request cut off by a restart never answered: forget its key so a retry is not stuck on 409.
  for (const [id, record] of Object.entries(store.data.idempotency)) {
    if (record.state === 'in_flight') delete store.data.idempotency[id];
  }
  // Jobs interrupted by a restart run again from their stored inputs.
  for (const job of Object.values(store.data.jobs)) {
    if (job.status === 'queued' || job.status === 'running') {
      job.status = 'queued';
      job.stage = 'queued';
      runner.start(job);
    }
  }

  const operator: SimulatorOperator = {
    approveSignup: (id) => approveSignup(ctx, id),
    declineSignup: (id) => declineSignup(ctx, id),
    completeRotationRequest: (id) => completeRotationRequest(ctx, id),
    expireDataset: (id) => expireDatasetNow(ctx, id, runner),
    createTenant(companyName) {
      const { tenantId, clientId } = createTenantClient(ctx, companyName);
      const clientSecret = issueSecret(ctx, clientId);
      store.save();
      return { tenantId, clientId, clientSecret };
    },
    setTenantLimits(tenantId, limits) {
      const tenant = store.data.tenants[tenantId];
      if (!tenant) throw new Error(`Unknown tenant ${tenantId}.`);
      if (limits.rowQuota !== undefined) tenant.rowQuota = limits.rowQuota;
      if (limits.perRequestCap !== undefined) tenant.perRequestCap = limits.perRequestCap;
      store.save();
    },
    tenantUsage(tenantId) {
      const tenant = store.data.tenants[tenantId];
      if (!tenant) throw new Error(`Unknown tenant ${tenantId}.`);
      return {
        rowQuota: tenant.rowQuota,
        rowsCommitted: tenant.rowsCommitted,
        rowsReserved: tenant.rowsReserved,
      };
    },
    signups: () => Object.values(store.data.signups),
    tenantOf: (clientId) => store.data.clients[clientId]?.tenantId ?? null,
  };

  let closed = false;
  return {
    apiBase: ctx.apiBase,
    tokenUrl: tokenUrl(),
    audience: config.audience,
    mode: config.mode,
    storageBase: ctx.storageBase,
    demoTenant: { ...demo },
    counters: () => ctx.counters.snapshot(ctx.faults.fired),
    sensitiveValues: () => ctx.sensitive.list(),
    resetCounters() {
      ctx.counters.reset();
      ctx.faults.fired.clear();
    },
    setFaults(spec) {
      ctx.faults = new FaultInjector(spec, seed);
    },
    setGenerationMode(mode) {
      ctx.generationMode = mode;
    },
    operator,
    async close() {
      if (closed) return;
      closed = true;
      await runner.close();
      store.save();
      await Promise.all([
        closeServer(apiServer),
        storageServer ? closeServer(storageServer) : Promise.resolve(),
      ]);
      ctx.kms?.client.destroy();
    },
  };
}

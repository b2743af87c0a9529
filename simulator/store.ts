/**
 * The simulator's state: tenants, clients, signups, claims, rotations, datasets, generations,
 * jobs and idempotency records as plain JSON records, plus blobs (seed files and artifacts).
 * In memory by default; with a `persistDir` every mutation is written to `state.json` (atomic
 * rename) and blobs to `blobs/`, and both are reloaded on start.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CleaningSummary, Conditions, SchemaColumn } from '../src/client/contract.ts';

export type OutputFormat = 'parquet' | 'csv' | 'arrow';
export type JobType = 'dataset_create' | 'generation_create';
export type JobStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled' | 'expired';

export interface TenantRecord {
  tenantId: string;
  companyName: string;
  /** Lifetime row quota. */
  rowQuota: number;
  perRequestCap: number;
  rowsReserved: number;
  rowsCommitted: number;
}

export interface ClientRecord {
  clientId: string;
  tenantId: string;
  /** sha256 hex of the active secret; `null` until the initial claim. */
  secretHash: string | null;
  /** Self-service rotation timestamps (ms), for the 3-per-24 h limit. */
  rotations: number[];
}

export interface SignupRecord {
  requestId: string;
  companyName: string;
  contactEmail: string;
  status: 'pending' | 'approved' | 'declined';
  clientId: string | null;
  claimToken: string | null;
  createdAt: number;
}

export interface ClaimRecord {
  token: string;
  clientId: string;
  purpose: 'initial' | 'rotation';
  expiresAt: number;
  usedAt: number | null;
}

export interface RotationRecord {
  rotationRequestId: string;
  clientId: string;
  kind: 'self-service' | 'operator';
  status: 'pending' | 'completed';
  reason: string | null;
  claimToken: string | null;
  createdAt: number;
}

export interface DatasetRecord {
  datasetId: string;
  tenantId: string;
  displayName: string | null;
  /** `processing` until the training job completes; lookups treat anything but `ready` as absent. */
  state: 'processing' | 'ready' | 'failed' | 'deleted';
  createdAt: number;
  expiresAt: number;
  lastUsedAt: number;
  autoClean: boolean;
  seedBlob: string;
  seedFilename: string;
  seedHash: string;
  cleaningSummary: CleaningSummary | null;
  trainingSummary: { trained_at: string | null; duration_ms: number | null } | null;
  schema: SchemaColumn[] | null;
  jobId: string;
}

export interface ArtifactRecord {
  blob: string;
  contentType: string;
  extension: string;
  encryption: { wrappedDek: string; iv: string; encryptionContext: Record<string, string> } | null;
}

export interface GenerationRecord {
  generationId: string;
  datasetId: string;
  tenantId: string;
  state: 'processing' | 'ready' | 'partial' | 'failed';
  outputFormat: OutputFormat;
  rowsRequested: number;
  rowsGenerated: number;
  seed: number;
  conditions: Conditions | null;
  createdAt: number;
  expiresAt: number;
  artifact: ArtifactRecord | null;
  jobId: string;
}

export interface JobRecord {
  jobId: string;
  tenantId: string;
  jobType: JobType;
  status: JobStatus;
  stage: string;
  requestId: string;
  createdAt: number;
  startedAt: number | null;
  completedAt: number | null;
  datasetId: string | null;
  generationId: string | null;
  error: { code: string; message: string } | null;
  /** The target resource (dataset or generation) the job works on. */
  target: string;
}

/** A stored idempotent response (or an in-flight marker). */
export interface IdempotencyRecord {
  fingerprint: string;
  state: 'in_flight' | 'done';
  status: number;
  body: unknown;
  createdAt: number;
}

/** Everything persisted to `state.json`. */
export interface StateData {
  version: 1;
  signingKey: string;
  tenants: Record<string, TenantRecord>;
  clients: Record<string, ClientRecord>;
  signups: Record<string, SignupRecord>;
  claims: Record<string, ClaimRecord>;
  rotations: Record<string, RotationRecord>;
  datasets: Record<string, DatasetRecord>;
  generations: Record<string, GenerationRecord>;
  jobs: Record<string, JobRecord>;
  idempotency: Record<string, IdempotencyRecord>;
  /** Fingerprints of work already executed, for duplicate-work detection. */
  workDone: Record<string, number>;
  /** The pre-approved demo tenant, kept so a persisted simulator restarts with the same credentials. */
  demo?: { tenantId: string; clientId: string; clientSecret: string };
}

function emptyState(signingKey: string): StateData {
  return {
    version: 1,
    signingKey,
    tenants: {},
    clients: {},
    signups: {},
    claims: {},
    rotations: {},
    datasets: {},
    generations: {},
    jobs: {},
    idempotency: {},
    workDone: {},
  };
}

/** The state plus blob storage; `save()` after every mutation. */
export class Store {
  readonly data: StateData;
  private readonly blobs = new Map<string, Buffer>();
  /** Trained models by dataset id, kept as objects (the engine caches per object); persisted as blobs. */
  private readonly models = new Map<string, unknown>();
  private readonly dir: string | undefined;

  constructor(options: { persistDir?: string; newSigningKey: () => string }) {
    this.dir = options.persistDir;
    if (this.dir) {
      mkdirSync(join(this.dir, 'blobs'), { recursive: true });
      const file = join(this.dir, 'state.json');
      if (existsSync(file)) {
        this.data = JSON.parse(readFileSync(file, 'utf8')) as StateData;
        return;
      }
    }
    this.data = emptyState(options.newSigningKey());
    this.save();
  }

  /** True when the state came from (and goes to) disk. */
  get persistent(): boolean {
    return this.dir !== undefined;
  }

  /** Writes `state.json` atomically (no-op in memory mode). */
  save(): void {
    if (!this.dir) return;
    const file = join(this.dir, 'state.json');
    writeFileSync(`${file}.tmp`, JSON.stringify(this.data));
    renameSync(`${file}.tmp`, file);
  }

  putBlob(name: string, bytes: Buffer): void {
    if (this.dir) writeFileSync(join(this.dir, 'blobs', name), bytes);
    else this.blobs.set(name, bytes);
  }

  getBlob(name: string): Buffer | undefined {
    if (!this.dir) return this.blobs.get(name);
    const file = join(this.dir, 'blobs', name);
    return existsSync(file) ? readFileSync(file) : undefined;
  }

  deleteBlob(name: string): void {
    if (this.dir) rmSync(join(this.dir, 'blobs', name), { force: true });
    else this.blobs.delete(name);
  }

  /** Stores the trained model of a dataset (JSON-serialisable). */
  putModel(datasetId: string, model: unknown): void {
    this.models.set(datasetId, model);
    if (this.dir) this.putBlob(`model-${datasetId}.json`, Buffer.from(JSON.stringify(model)));
  }

  /** The trained model of a dataset, or `undefined` when it has none (not trained, deleted, expired). */
  getModel(datasetId: string): unknown {
    if (this.models.has(datasetId)) return this.models.get(datasetId);
    const blob = this.dir ? this.getBlob(`model-${datasetId}.json`) : undefined;
    if (!blob) return undefined;
    const model: unknown = JSON.parse(blob.toString('utf8'));
    this.models.set(datasetId, model);
    return model;
  }

  deleteModel(datasetId: string): void {
    this.models.delete(datasetId);
    this.deleteBlob(`model-${datasetId}.json`);
  }
}

/** Shared helpers of the simulator tests: a small seed, token minting, uploads and polling. */
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../simulator/index.ts';

/** A deterministic 240-row seed shaped like the vendor's quickstart (age, segment, channel, region, purchase_intent). */
export function seedCsv(rows = 240, salt = 0): string {
  const segments = ['Value', 'Mainstream', 'Premium'];
  const channels = ['Retail', 'Online', 'Club'];
  const regions = ['Northeast', 'South', 'Midwest', 'West'];
  const lines = ['age,segment,channel,region,purchase_intent'];
  for (let i = 0; i < rows; i += 1) {
    const age = 18 + ((i * 7 + salt) % 48);
    const segment = segments[(i + salt) % 3]!;
    const channel = channels[(i * 5) % 3]!;
    const region = regions[(i * 3) % 4]!;
    const intent = (i * 37 + salt) % 101;
    lines.push(`${age},${segment},${channel},${region},${intent}`);
  }
  return `${lines.join('\n')}\n`;
}

export interface Session {
  readonly sim: RunningSimulator;
  token(): Promise<string>;
  /** fetch against the API origin with the bearer token. */
  api(path: string, init?: RequestInit): Promise<Response>;
}

/** Mints an access token for `clientId`/`clientSecret`. */
export async function mint(sim: RunningSimulator, clientId: string, clientSecret: string): Promise<string> {
  const res = await fetch(sim.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_id: clientId,
      client_secret: clientSecret,
      audience: sim.audience,
      grant_type: 'client_credentials',
    }),
  });
  if (res.status !== 200) throw new Error(`token mint failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** Starts a simulator with fast timings and returns a session for its demo tenant. */
export async function startSession(options: SimulatorOptions = {}): Promise<Session> {
  const sim = await startSimulator({
    ...options,
    timings: { trainingMs: 30, generationMs: 30, ...options.timings },
  });
  return sessionFor(sim, sim.demoTenant.clientId, sim.demoTenant.clientSecret);
}

/** A session for any client of a running simulator. */
export function sessionFor(sim: RunningSimulator, clientId: string, clientSecret: string): Session {
  let cached: string | null = null;
  const token = async () => (cached ??= await mint(sim, clientId, clientSecret));
  return {
    sim,
    token,
    async api(path, init = {}) {
      const send = async () => {
        const headers = new Headers(init.headers);
        if (!headers.has('authorization')) headers.set('authorization', `Bearer ${await token()}`);
        return fetch(`${sim.apiBase}${path}`, { ...init, headers });
      };
      const res = await send();
      if (res.status !== 401 || new Headers(init.headers).has('authorization')) return res;
      // Like a real client: the token may have expired (tests move the clock), re-mint once.
      cached = null;
      return send();
    },
  };
}

/** A multipart upload body for `POST /v1/datasets`. */
export function uploadForm(
  csv: string | Buffer,
  fields: Record<string, string> = {},
  filename = 'seed.csv',
): FormData {
  const form = new FormData();
  form.set('seed_file', new Blob([csv], { type: 'text/csv' }), filename);
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  return form;
}

/** Polls a job until it is terminal. */
export async function pollJob(session: Session, jobId: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 400; i += 1) {
    const res = await session.api(`/v1/jobs/${jobId}`);
    const job = (await res.json()) as Record<string, unknown>;
    if (['completed', 'failed', 'cancelled', 'expired'].includes(String(job.status))) return job;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`job ${jobId} did not finish`);
}

/** Uploads the seed and waits until the dataset is ready; returns its id. */
export async function readyDataset(session: Session, csv = seedCsv(), key?: string): Promise<string> {
  const res = await session.api('/v1/datasets', {
    method: 'POST',
    body: uploadForm(csv),
    headers: key ? { 'idempotency-key': key } : {},
  });
  const body = (await res.json()) as { dataset_id: string; job_id?: string };
  if (res.status === 202 && body.job_id) {
    const job = await pollJob(session, body.job_id);
    if (job.status !== 'completed') throw new Error(`training failed: ${JSON.stringify(job)}`);
  } else if (res.status !== 200) {
    throw new Error(`upload failed: ${res.status} ${JSON.stringify(body)}`);
  }
  return body.dataset_id;
}

/** Creates a generation and waits for it; returns the generation resource. */
export async function readyGeneration(
  session: Session,
  datasetId: string,
  request: Record<string, unknown> = { row_count: 50, output_format: 'csv', seed: 7 },
  key?: string,
): Promise<Record<string, unknown>> {
  const res = await session.api(`/v1/datasets/${datasetId}/generations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
    body: JSON.stringify(request),
  });
  const body = (await res.json()) as { generation_id: string; job_id?: string };
  if (res.status === 202 && body.job_id) {
    const job = await pollJob(session, body.job_id);
    if (job.status !== 'completed') throw new Error(`generation failed: ${JSON.stringify(job)}`);
  } else if (res.status !== 200 && res.status !== 207) {
    throw new Error(`generation failed: ${res.status} ${JSON.stringify(body)}`);
  }
  const generation = await session.api(`/v1/generations/${body.generation_id}`);
  return (await generation.json()) as Record<string, unknown>;
}

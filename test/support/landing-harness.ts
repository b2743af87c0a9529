/**
 * Integration harness for landing: moto with the stack provisioned from its template, a local
 * `node:http` artifact server with expiring URLs, and a vendor API whose `getGeneration` is
 * scripted by the test and whose `downloadArtifact` really fetches over HTTP.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { GlueClient } from '@aws-sdk/client-glue';
import { KMSClient } from '@aws-sdk/client-kms';
import {
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import type { ArtifactDownload, Generation, SimulacraApi } from '../../src/client/contract.ts';
import type { LandArtifactDeps } from '../../src/landing/land.ts';
import { PipelineEnv } from '../../lib/pipeline-functions.ts';
import { startLocalEnvironment } from '../../src/local/environment.ts';
import type { IamJudge } from '../../src/local/iam/judge.ts';
import { actAs } from '../../src/local/iam/sdk-recorder.ts';
import { awsClientConfig, type RunningMoto } from '../../src/local/moto.ts';
import { apiError, fakeApi, meta, type FakeApi } from './fake-vendor-api.ts';

export type ArtifactSource = Buffer | (() => AsyncIterable<Buffer>);

/** Serves registered artifacts at `/a/<token>`; expired or unknown tokens get a 404. */
export class ArtifactServer {
  private readonly server: Server;
  private readonly sources = new Map<string, ArtifactSource>();
  private readonly expired = new Set<string>();
  private next = 0;
  downloads = 0;
  url = '';

  constructor() {
    this.server = createServer((req, res) => {
      const token = (req.url ?? '').replace(/^\/a\//, '').replace(/\?.*$/, '');
      const source = this.sources.get(token);
      if (!source || this.expired.has(token)) {
        res.writeHead(404, { 'content-type': 'application/problem+json' });
        res.end(JSON.stringify({ type: 'about:blank', title: 'Not Found', status: 404, detail: 'expired' }));
        return;
      }
      this.downloads += 1;
      // Bytes are sent with their length, as a presigned object URL does; a generator streams chunked.
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        ...(Buffer.isBuffer(source) ? { 'content-length': String(source.byteLength) } : {}),
      });
      if (Buffer.isBuffer(source)) {
        res.end(source);
        return;
      }
      Readable.from(source()).pipe(res);
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Registers bytes (or a generator of chunks); returns an absolute, signed-looking URL. */
  register(source: ArtifactSource): string {
    const token = `t${(this.next += 1)}`;
    this.sources.set(token, source);
    return `${this.url}/a/${token}?sig=${token}`;
  }

  expire(url: string): void {
    this.expired.add(url.replace(/^.*\/a\//, '').replace(/\?.*$/, ''));
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** A vendor API: `getGeneration` from `generations()`, downloads over real HTTP. */
export function httpVendorApi(generations: () => Generation): FakeApi {
  return fakeApi({
    getGeneration: () => Promise.resolve(generations()),
    downloadArtifact: async (g): Promise<ArtifactDownload> => {
      const response = await fetch(g.artifact_url ?? '');
      if (!response.ok || !response.body) {
        await response.body?.cancel();
        throw apiError(response.status, null, 'download refused', {
          operation: 'downloadGenerationArtifact',
        });
      }
      return {
        body: Readable.fromWeb(response.body),
        contentLength: Number(response.headers.get('content-length')) || null,
        contentType: response.headers.get('content-type'),
        meta,
      };
    },
  });
}

/** Clients whose every call is made, and judged by IAM, as one pipeline function. */
export interface FunctionClients {
  readonly s3: S3Client;
  readonly kms: KMSClient;
  readonly glue: GlueClient;
}

export interface LandingEnvironment {
  readonly moto: RunningMoto;
  /** Unjudged (administrator) clients, for the test's own setup and checks. */
  readonly s3: S3Client;
  readonly kms: KMSClient;
  readonly glue: GlueClient;
  /** Judges the calls of {@link as}'s clients; a denied call fails it and, at `stop()`, the file. */
  readonly iam: IamJudge;
  /** The stack's Glue database (the one RegisterCatalog may write). */
  readonly glueDatabase: string;
  /** The stack's seed bucket (seeds under `seeds/<feed>/`). */
  readonly seedBucket: string;
  /** Clients acting as `functionId` (LandArtifact, RegisterCatalog): each call judged by its role. */
  as(functionId: string): FunctionClients;
  readonly bucket: string;
  readonly outputKeyArn: string;
  readonly artifactKeyArn: string;
  readonly server: ArtifactServer;
  /** LandArtifact's dependencies, its AWS calls made as LandArtifact (judged). */
  deps(api: SimulacraApi, extra?: Partial<LandArtifactDeps>): LandArtifactDeps;
  /** Keys under `prefix` (data objects and manifests). */
  listKeys(prefix?: string): Promise<string[]>;
  /** Multipart uploads still open in the bucket. */
  openUploads(): Promise<number>;
  read(key: string): Promise<Buffer>;
  stop(): Promise<void>;
}

/** Vendor settings for the credential secret; landing tests pass their own scripted API. */
const UNUSED_VENDOR = {
  apiBase: 'http://127.0.0.1:9/v1',
  tokenUrl: 'http://127.0.0.1:9/oauth/token',
  audience: 'landing-tests',
  clientId: 'landing-tests',
  clientSecret: 'landing-tests-unused',
} as const;

/**
 * Moto with the pipeline stack provisioned from its synthesized template (enterprise mode), so
 * landing writes into the stack's real output bucket (versioned, SSE-KMS with the pipeline's
 * output key) and unwraps with a customer artifact key, as the deployed LandArtifact does, its
 * calls judged against LandArtifact's role as in the pipeline runs (`deps`, `as`).
 */
export async function startLandingEnvironment(): Promise<LandingEnvironment> {
  const local = await startLocalEnvironment({ mode: 'enterprise', externalApi: UNUSED_VENDOR });
  const { moto, clients } = local;
  const { s3, kms, glue } = clients;
  const bucket = local.names.outputBucket;
  const outputKeyArn = local.env[PipelineEnv.outputKmsKeyArn] ?? '';
  const artifactKeyArn = local.names.artifactKeyArn ?? '';
  const server = new ArtifactServer();
  await server.start();
  const acting = new Map<string, FunctionClients>();
  const as = (functionId: string): FunctionClients => {
    let clients = acting.get(functionId);
    if (!clients) {
      const config = awsClientConfig(moto);
      clients = {
        s3: actAs(new S3Client(config), functionId, local.iam),
        kms: actAs(new KMSClient(config), functionId, local.iam),
        glue: actAs(new GlueClient(config), functionId, local.iam),
      };
      acting.set(functionId, clients);
    }
    return clients;
  };
  const env: LandingEnvironment = {
    moto,
    s3,
    kms,
    glue,
    iam: local.iam,
    glueDatabase: local.names.glueDatabase,
    seedBucket: local.names.seedBucket,
    as,
    bucket,
    outputKeyArn,
    artifactKeyArn,
    server,
    deps: (api, extra = {}) => ({
      api,
      s3: as('LandArtifact').s3,
      kms: as('LandArtifact').kms,
      bucket,
      outputKmsKeyId: outputKeyArn,
      ...extra,
    }),
    async listKeys(prefix) {
      const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
      return (out.Contents ?? []).map((c) => c.Key!).sort();
    },
    async openUploads() {
      const out = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
      return out.Uploads?.length ?? 0;
    },
    async read(key) {
      const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return Buffer.from(await out.Body!.transformToByteArray());
    },
    async stop() {
      await server.close();
      await local.close();
    },
  };
  return env;
}

/**
 * Integration harness for landing: a moto server (S3, KMS, Glue), a bucket and KMS keys, a local
 * `node:http` artifact server with expiring URLs, and a vendor API whose `getGeneration` is
 * scripted by the test and whose `downloadArtifact` really fetches over HTTP.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { GlueClient } from '@aws-sdk/client-glue';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import type { ArtifactDownload, Generation, SimulacraApi } from '../../src/client/contract.ts';
import type { LandArtifactDeps } from '../../src/landing/land.ts';
import { awsClientConfig, startMoto, type RunningMoto } from '../../src/local/moto.ts';
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
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
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

export interface LandingEnvironment {
  readonly moto: RunningMoto;
  readonly s3: S3Client;
  readonly kms: KMSClient;
  readonly glue: GlueClient;
  readonly bucket: string;
  readonly outputKeyArn: string;
  readonly artifactKeyArn: string;
  readonly server: ArtifactServer;
  deps(api: SimulacraApi, extra?: Partial<LandArtifactDeps>): LandArtifactDeps;
  /** Keys under `prefix` (data objects and manifests). */
  listKeys(prefix?: string): Promise<string[]>;
  /** Multipart uploads still open in the bucket. */
  openUploads(): Promise<number>;
  read(key: string): Promise<Buffer>;
  stop(): Promise<void>;
}

export async function startLandingEnvironment(bucket = 'customer-lake'): Promise<LandingEnvironment> {
  const moto = await startMoto();
  const config = awsClientConfig(moto);
  const s3 = new S3Client(config);
  const kms = new KMSClient(config);
  const glue = new GlueClient(config);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const outputKey = await kms.send(new CreateKeyCommand({ Description: 'landing output' }));
  const artifactKey = await kms.send(new CreateKeyCommand({ Description: 'artifact wrapping' }));
  const server = new ArtifactServer();
  await server.start();
  const env: LandingEnvironment = {
    moto,
    s3,
    kms,
    glue,
    bucket,
    outputKeyArn: outputKey.KeyMetadata!.Arn!,
    artifactKeyArn: artifactKey.KeyMetadata!.Arn!,
    server,
    deps: (api, extra = {}) => ({
      api,
      s3,
      kms,
      bucket,
      outputKmsKeyId: outputKey.KeyMetadata!.Arn!,
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
      s3.destroy();
      kms.destroy();
      glue.destroy();
      await moto.stop();
    },
  };
  return env;
}

/**
 * Getting the artifact's bytes: checking the generation the vendor returned, opening the download
 * (re-fetching the generation for a fresh URL after an expired one) and streaming the plaintext,
 * decrypted with the customer's key in enterprise mode.
 */
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ArtifactDownload, Generation } from '../client/contract.ts';
import { ArtifactUrlExpiredError, SimulacraApiError } from '../client/errors.ts';
import { checkEnvelope, ENVELOPE_SCHEME, MANAGED_SCHEME, unwrapDataKey } from './envelope.ts';
import { ArtifactNotReadyError, ArtifactVerificationError } from './errors.ts';
import { createGcmDecryptStream, GcmAuthenticationError } from './gcm-decrypt.ts';
import type { LandArtifactDeps, LandArtifactInput } from './land-contract.ts';
import { isLandedFormat, type LandedFormat } from './layout.ts';

/** Download attempts per landing (the first plus re-fetches after an expired URL). */
export const DEFAULT_DOWNLOAD_ATTEMPTS = 3;

/** The generation's output format, refused when this pipeline cannot land it. */
export function formatOf(generation: Generation): LandedFormat {
  const format = generation.output_format;
  if (!isLandedFormat(format)) {
    throw new ArtifactVerificationError(
      generation.generation_id,
      `output_format "${format}" is not one this pipeline can land (parquet, csv, arrow)`,
    );
  }
  return format;
}

/** Refuses a generation that is not the one asked for, or has no rows or more than requested. */
export function checkGeneration(generation: Generation, input: LandArtifactInput): void {
  const id = input.generationId;
  if (generation.generation_id !== id) {
    throw new ArtifactVerificationError(
      id,
      `the vendor answered with generation ${generation.generation_id}`,
    );
  }
  if (generation.dataset_id !== input.datasetId) {
    throw new ArtifactVerificationError(
      id,
      `the generation belongs to dataset ${generation.dataset_id}, not ${input.datasetId}`,
    );
  }
  if (generation.rows_generated <= 0) {
    throw new ArtifactVerificationError(id, 'rows_generated is 0: the vendor produced no rows to land');
  }
  if (generation.rows_generated > generation.rows_requested) {
    throw new ArtifactVerificationError(
      id,
      `rows_generated (${generation.rows_generated}) exceeds rows_requested (${generation.rows_requested})`,
    );
  }
}

/** The client's expired-URL error, or (from other `SimulacraApi` implementations) a 403/404. */
function isExpiredDownload(err: unknown): boolean {
  return (
    err instanceof ArtifactUrlExpiredError ||
    (err instanceof SimulacraApiError && (err.status === 403 || err.status === 404))
  );
}

/**
 * Opens the artifact download, re-fetching the generation (for a fresh URL) after a 403/404.
 * Returns the generation the successful download belongs to.
 */
export async function openDownload(
  deps: LandArtifactDeps,
  first: Generation,
  input: LandArtifactInput,
): Promise<{ generation: Generation; download: ArtifactDownload }> {
  const attempts = Math.max(1, deps.maxDownloadAttempts ?? DEFAULT_DOWNLOAD_ATTEMPTS);
  let generation = first;
  for (let attempt = 1; ; attempt += 1) {
    if (!generation.artifact_url) {
      throw new ArtifactNotReadyError(
        input.generationId,
        'artifact_url is null: the artifact is not available yet',
      );
    }
    try {
      return { generation, download: await deps.api.downloadArtifact(generation) };
    } catch (err) {
      if (!isExpiredDownload(err) || attempt >= attempts) throw err;
    }
    generation = await deps.api.getGeneration(input.generationId);
    checkGeneration(generation, input);
  }
}

/** Pipeline options that cut the stream when the landing is stopped (`deps.signal`). */
function stopWith(deps: LandArtifactDeps): { signal?: AbortSignal } {
  return deps.signal ? { signal: deps.signal } : {};
}

/**
 * Streams the artifact (decrypting in enterprise mode) into `sink`; zeroes the data key. A stopped
 * landing (`deps.signal`) destroys the download and the sink.
 */
export async function streamPlaintext(
  deps: LandArtifactDeps,
  generation: Generation,
  body: Readable,
  sink: NodeJS.WritableStream,
  input: LandArtifactInput,
): Promise<void> {
  const scheme = generation.artifact_encryption?.scheme ?? MANAGED_SCHEME;
  if (scheme === MANAGED_SCHEME) {
    await pipeline(body, sink, stopWith(deps));
    return;
  }
  if (scheme !== ENVELOPE_SCHEME || !generation.artifact_encryption) {
    body.destroy();
    throw new ArtifactVerificationError(
      input.generationId,
      `unsupported artifact_encryption.scheme "${scheme}"`,
    );
  }
  let envelope;
  try {
    envelope = checkEnvelope(generation.artifact_encryption, {
      generationId: input.generationId,
      tenantId: input.tenantId,
    });
  } catch (err) {
    body.destroy();
    throw err;
  }
  const key = await unwrapDataKey(deps.kms, envelope, {
    generationId: input.generationId,
    keyId: deps.artifactKmsKeyId,
  }).catch((err: unknown) => {
    body.destroy();
    throw err;
  });
  try {
    await pipeline(body, createGcmDecryptStream(key, envelope.iv), sink, stopWith(deps));
  } catch (err) {
    if (err instanceof GcmAuthenticationError) {
      throw new ArtifactVerificationError(input.generationId, err.message, { cause: err });
    }
    throw err;
  } finally {
    key.fill(0);
  }
}

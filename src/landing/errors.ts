/**
 * Typed errors raised while landing an artifact; `lambdas/land-artifact.ts` maps them to the state
 * errors the state machine's Retry/Catch rules match on (a verification failure becomes the state
 * error `ArtifactIntegrityError`). Messages never carry artifact URLs, data keys or customer rows.
 */

/**
 * The artifact cannot be trusted: its envelope metadata does not belong to the expected
 * generation, the data key cannot be unwrapped, or the AES-GCM tag does not verify.
 * Terminal: retrying the same bytes gives the same answer.
 */
export class ArtifactVerificationError extends Error {
  override readonly name: string = 'ArtifactVerificationError';
  readonly generationId: string;
  constructor(generationId: string, message: string, options?: { cause?: unknown }) {
    super(`generation ${generationId}: ${message}`, options);
    this.generationId = generationId;
  }
}

/** The landed file holds a different number of rows than the vendor's `rows_generated`. Terminal. */
export class RowCountMismatchError extends ArtifactVerificationError {
  override readonly name: string = 'RowCountMismatchError';
  readonly expectedRows: number;
  readonly actualRows: number;
  constructor(generationId: string, expectedRows: number, actualRows: number) {
    super(
      generationId,
      `the artifact holds ${actualRows} rows but the vendor reported rows_generated=${expectedRows}; refusing to land it`,
    );
    this.expectedRows = expectedRows;
    this.actualRows = actualRows;
  }
}

/** The generation has no downloadable artifact yet (`artifact_url` is null). Retryable. */
export class ArtifactNotReadyError extends Error {
  override readonly name = 'ArtifactNotReadyError';
  readonly generationId: string;
  constructor(generationId: string, message: string) {
    super(`generation ${generationId}: ${message}`);
    this.generationId = generationId;
  }
}

/** The artifact's bytes could not be parsed as the declared `output_format`. Terminal. */
export class ArtifactFormatError extends Error {
  override readonly name = 'ArtifactFormatError';
  readonly generationId: string;
  readonly format: string;
  constructor(generationId: string, format: string, message: string, options?: { cause?: unknown }) {
    super(`generation ${generationId}: the artifact is not a readable ${format} file: ${message}`, options);
    this.generationId = generationId;
    this.format = format;
  }
}

/** Writing to the customer bucket failed (S3 multipart upload, manifest write). Retryable. */
export class LandingStorageError extends Error {
  override readonly name = 'LandingStorageError';
  readonly key: string;
  constructor(key: string, message: string, options?: { cause?: unknown }) {
    super(`s3 object ${key}: ${message}`, options);
    this.key = key;
  }
}

/**
 * An artifact does not fit in the function's ephemeral storage (`/tmp`), where Parquet and Arrow
 * are spooled to be inspected. Raised before the download is spooled when the artifact's size is
 * known, and as `ENOSPC` when a spool outgrows the storage left. Terminal when it needs more than
 * the whole storage (it never fits until the setting named in the message is raised); when only
 * what else holds `/tmp` is in the way ({@link EphemeralStorageError.fitsWhenEmpty}) a retry can land it.
 */
export class EphemeralStorageError extends Error {
  override readonly name = 'EphemeralStorageError';
  /** As Node's file system reports a full disk. */
  readonly code = 'ENOSPC';
  readonly generationId: string;
  readonly neededBytes: number;
  readonly freeBytes: number;
  /** The whole ephemeral storage, bytes. */
  readonly storageBytes: number;
  constructor(
    generationId: string,
    details: { readonly neededBytes: number; readonly freeBytes: number; readonly storageBytes: number },
    what: string,
    /** The other way out, after raising the setting. */
    alternative = 'request a smaller row_count',
  ) {
    const mib = (bytes: number): string =>
      bytes < 2 ** 20 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
    super(
      `generation ${generationId}: ${what} (${details.neededBytes} bytes, ${mib(details.neededBytes)}) does not fit in /tmp: ` +
        `the function's ephemeral storage is ${mib(details.storageBytes)}, ${details.freeBytes} bytes free. ` +
        `Raise functionOverrides.LandArtifact.ephemeralStorageSize (512 MiB..10 GiB) or ${alternative}.`,
    );
    this.generationId = generationId;
    this.neededBytes = details.neededBytes;
    this.freeBytes = details.freeBytes;
    this.storageBytes = details.storageBytes;
  }

  /**
   * It would fit in the whole storage: what else holds `/tmp` (an abandoned attempt's spool in the
   * same warm sandbox, still being removed) is in the way, not the artifact's size.
   */
  get fitsWhenEmpty(): boolean {
    return this.neededBytes <= this.storageBytes;
  }
}

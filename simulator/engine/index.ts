/**
 * The simulator's data engine: pure functions (no HTTP) the fake vendor server calls to read and
 * clean seeds, report the schema, train, check conditions, generate rows, and encode and encrypt
 * artifacts. See docs/simulator-engine.md for the rules and guarantees.
 *
 * Typical use:
 * ```ts
 * const seed = await readSeed(bytes, filename);                 // SeedFormatError on bad input
 * const { table, summary } = cleanSeed(seed, { autoClean });
 * const schema = schemaOf(table);
 * const model = trainModel(table, { seed: 1 });                 // JSON-serialisable
 * const problems = checkConditions(model, body.conditions);     // [] when valid -> else 400
 * const { columns, rowsGenerated, partial } = generate(model, { rowCount, conditions, seed });
 * const bytes = await encodeArtifact(columns, 'parquet');
 * const { body, wrappedDek, iv } = await encryptArtifact(bytes, { kms, keyId, encryptionContext });
 * ```
 */
export * from './types.ts';
export { readSeed, SUPPORTED_SEED_EXTENSIONS } from './read-seed.ts';
export { cleanSeed, OTHER_LEVEL } from './clean.ts';
export type { CleanOptions, CleanResult } from './clean.ts';
export { schemaOf } from './schema.ts';
export { trainModel, MAX_TRAINING_ROWS } from './train.ts';
export type { TrainOptions } from './train.ts';
export { checkConditions, InvalidConditionsError, SHARE_SUM_TOLERANCE } from './conditions.ts';
export { generate, MAX_TILT } from './generate.ts';
export { encodeArtifact, ARTIFACT_CONTENT_TYPES, ARTIFACT_EXTENSIONS } from './encode.ts';
export { encryptArtifact, ArtifactEncryptionError, GCM_IV_BYTES, GCM_TAG_BYTES } from './encrypt.ts';
export type { EncryptArtifactOptions, EncryptedArtifact } from './encrypt.ts';
export { GENERATION_MODES, type GenerationMode } from './perturb.ts';

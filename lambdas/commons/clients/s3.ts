import { S3Client } from '@aws-sdk/client-s3';
import { lazyClient } from './lazy.ts';

/** The container's S3 client; `AWS_S3_FORCE_PATH_STYLE=true` selects path-style addressing (moto). */
export const s3 = lazyClient(
  () => new S3Client({ forcePathStyle: process.env.AWS_S3_FORCE_PATH_STYLE === 'true' }),
);

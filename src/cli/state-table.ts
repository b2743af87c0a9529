/**
 * What the commands reading the pipeline's state table share (`runs`, `status`, `redrive`): the
 * `--table`, `--region` and `--endpoint-url` options, their defaults from the environment, and
 * the DynamoDB document client they build (deployed stack or the local one alike).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** Where the AWS calls go: the SDK's defaults unless given. */
export interface AwsTarget {
  readonly region?: string;
  readonly endpoint?: string;
}

/** Dependencies of a state-table command; tests pass their own. */
export interface StateTableCommandDeps {
  /** Builds the DynamoDB document client. */
  readonly dynamo?: (target: AwsTarget) => Promise<DynamoDBDocumentClient>;
  readonly stdout?: (text: string) => void;
  readonly stderr?: (text: string) => void;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** The parseArgs options every state-table command accepts. */
export const STATE_TABLE_OPTIONS = {
  table: { type: 'string' },
  region: { type: 'string' },
  'endpoint-url': { type: 'string' },
} as const;

/** The SDK's document client for `target` (loaded only when a command runs). */
export async function defaultDynamo(target: AwsTarget): Promise<DynamoDBDocumentClient> {
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
  const { DynamoDBDocumentClient: Document } = await import('@aws-sdk/lib-dynamodb');
  return Document.from(new DynamoDBClient(target), { marshallOptions: { removeUndefinedValues: true } });
}

/**
 * The table and AWS target from the options (`$SIMULACRA_STATE_TABLE` and `$AWS_ENDPOINT_URL` as
 * defaults), and the problem to report when no table is named.
 */
export function stateTableTarget(
  values: { readonly table?: string; readonly region?: string; readonly 'endpoint-url'?: string },
  env: Readonly<Record<string, string | undefined>>,
): { table: string | undefined; target: AwsTarget; problems: string[] } {
  const table = values.table ?? env.SIMULACRA_STATE_TABLE;
  const endpoint = values['endpoint-url'] ?? env.AWS_ENDPOINT_URL;
  return {
    table,
    target: { ...(values.region ? { region: values.region } : {}), ...(endpoint ? { endpoint } : {}) },
    problems: table ? [] : ["--table NAME (or $SIMULACRA_STATE_TABLE) is required: the stack's state table"],
  };
}

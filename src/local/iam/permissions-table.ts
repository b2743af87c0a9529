/**
 * docs/permissions.md from judged local runs: for each function, every statement of its role with
 * the actions the runs must use, and the actions kept for rarer paths with why (the
 * `keptBecause` next to the grant in lib/pipeline-functions.ts). Problems (a denied call, an unused
 * action without a reason, a statement no grant declares) are listed for the test to fail on.
 */
import type { FunctionGrant, GrantTarget, PipelineFunctionSpec } from '../../../lib/pipeline-functions.ts';
import type { JudgedCall } from './judge.ts';
import type { FunctionRole, PolicyStatement } from './stack-policies.ts';

const targetLabels: Readonly<Record<GrantTarget, string>> = {
  credentialsSecret: 'vendor credential secret',
  stateTable: 'state table',
  tokenCacheKey: 'pipeline key, token cache context only',
  seedObjects: 'seed bucket, `seeds/*`',
  seedBucket: 'seed bucket',
  outputObjects: 'output bucket, data and manifest prefixes',
  quarantineObjects: 'output bucket, quarantine and quality prefixes',
  outputBucket: 'output bucket',
  artifactKey: 'customer artifact key (enterprise mode)',
  glueCatalog: 'Glue catalog, pipeline database and its tables',
  eventBus: 'pipeline event bus',
  ingestStateMachine: 'ingest state machine',
  feedSchedules: 'schedules enabled once their feed has a dataset',
  schedulerRole: "the schedules' role, passed to EventBridge Scheduler only",
};

const keyUsers: Readonly<Partial<Record<GrantTarget, string>>> = {
  credentialsSecret: 'Secrets Manager',
  stateTable: 'DynamoDB',
  seedObjects: 'S3',
  outputObjects: 'S3',
  quarantineObjects: 'S3',
  eventBus: 'EventBridge',
  ingestStateMachine: 'Step Functions',
};

/** Statements the Lambda service uses for the function, not its handler's SDK calls. */
const runtimeStatements: readonly {
  readonly test: (s: PolicyStatement) => boolean;
  readonly label: string;
  readonly why: string;
}[] = [
  {
    test: (s) => s.Sid === 'FailureDestination' || s.Sid === 'FailureDestinationKey',
    label: 'dead-letter queue (and its key, via SQS)',
    why: 'Lambda sends asynchronous invocations that failed every retry to the on-failure destination.',
  },
  {
    test: (s) => actionsOf(s).every((action) => action.startsWith('logs:')),
    label: "the function's log group",
    why: 'Lambda writes the function logs with the execution role.',
  },
  {
    test: (s) => actionsOf(s).every((action) => action.startsWith('xray:')),
    label: '`*` (X-Ray has no resource-level permissions)',
    why: 'Active tracing: Lambda sends trace segments.',
  },
];

function actionsOf(statement: PolicyStatement): string[] {
  const actions = statement.Action ?? [];
  return typeof actions === 'string' ? [actions] : [...actions];
}

export interface StatementRow {
  readonly statement: string;
  readonly resource: string;
  /** Actions without a reason: every one was used by the runs (a problem otherwise). */
  readonly used: readonly string[];
  /** Actions kept for a path the runs need not take, with the reason written next to the grant. */
  readonly kept: readonly { readonly action: string; readonly reason: string }[];
  /** For statements the Lambda service uses: why they exist. */
  readonly runtime: string | null;
}

export interface PermissionsReport {
  readonly functions: readonly { readonly id: string; readonly rows: readonly StatementRow[] }[];
  readonly denied: readonly JudgedCall[];
  /** Everything that must be fixed: each names function, statement and action. */
  readonly problems: readonly string[];
}

function declaredGrant(
  spec: PipelineFunctionSpec,
  sid: string | undefined,
): { grant: FunctionGrant; key: boolean } | null {
  for (const grant of spec.grants) {
    if (grant.sid === sid) return { grant, key: false };
    if (`${grant.sid}Key` === sid) return { grant, key: true };
  }
  return null;
}

/** Builds the report of `specs` from their roles and the calls judged in the local runs. */
export function permissionsReport(
  specs: readonly PipelineFunctionSpec[],
  roles: ReadonlyMap<string, FunctionRole>,
  calls: readonly JudgedCall[],
): PermissionsReport {
  const problems: string[] = [];
  const denied = calls.filter((call) => call.decision !== 'Allowed');
  for (const call of denied) {
    problems.push(`${call.functionId}: ${call.action} on ${call.resource} was denied (${call.operation})`);
  }
  const functions = specs.map((spec) => {
    const role = roles.get(spec.id);
    if (!role) {
      problems.push(`${spec.id}: the synthesized template has no role for it`);
      return { id: spec.id, rows: [] };
    }
    const rows: StatementRow[] = [];
    for (const policy of role.policies) {
      policy.policy.Statement.forEach((statement, index) => {
        const id = statement.Sid ?? `${policy.name}#${index}`;
        const used = new Set(
          calls
            .filter((call) => call.functionId === spec.id && call.allowedBy.includes(id))
            .map((call) => call.action),
        );
        const actions = [...new Set(actionsOf(statement))].sort();
        const runtime = runtimeStatements.find((candidate) => candidate.test(statement));
        if (runtime) {
          rows.push({
            statement: statement.Sid ?? '(CDK)',
            resource: runtime.label,
            used: [],
            kept: [],
            runtime: runtime.why,
          });
          return;
        }
        const declared = declaredGrant(spec, statement.Sid);
        if (!declared) {
          problems.push(
            `${spec.id}: statement ${id} (${actions.join(', ')}) is declared by no grant in lib/pipeline-functions.ts`,
          );
          return;
        }
        const { grant, key } = declared;
        const label = targetLabels[grant.target];
        const kept = actions.flatMap((action) => {
          const reason = grant.keptBecause?.[action];
          return reason ? [{ action, reason }] : [];
        });
        const needed = actions.filter((action) => !grant.keptBecause?.[action]);
        for (const action of needed.filter((candidate) => !used.has(candidate))) {
          problems.push(
            `${spec.id}: ${action} (statement ${id}) is granted but no local run uses it and it has no keptBecause reason`,
          );
        }
        rows.push({
          statement: id,
          resource: key ? `key of the ${label}, via ${keyUsers[grant.target] ?? 'its service'}` : label,
          used: needed,
          kept,
          runtime: null,
        });
      });
    }
    return { id: spec.id, rows };
  });
  return { functions, denied, problems };
}

const cell = (text: string): string => text.replace(/\|/g, '\\|');

/** The report as docs/permissions.md. */
export function renderPermissions(report: PermissionsReport): string {
  const lines = [
    '# Function permissions',
    '',
    '<!-- Generated by `npm run gen:permissions` (test/integration/iam/permissions.test.ts); do not edit. -->',
    '',
    "Each function's IAM role, statement by statement, against the AWS calls its handler made in the",
    'local runs of test/integration/iam/permissions.test.ts (a managed run with a rejected seed, a',
    'scheduled generation, an enterprise run and a credential rotation by the rotation function, invoked',
    'per step as Secrets Manager does). Every call, including the KMS use of S3, DynamoDB,',
    "Secrets Manager, EventBridge and Step Functions on the caller's behalf, was judged by",
    '`@cloud-copilot/iam-simulate` against the synthesized template. Grants are declared next to each',
    'function in lib/pipeline-functions.ts; an action no run uses stays only with the reason written there.',
    '',
    `Denied calls: ${report.denied.length}. Unused actions without a reason: ${report.problems.filter((p) => p.includes('no keptBecause')).length}.`,
    '',
    '"Used" lists the actions every one of those runs needed (the test fails if a run leaves one unused).',
    '"Kept" lists actions for paths the runs need not take (errors, retries, other modes), each with its',
    'reason; they may or may not appear in a given run.',
    '',
    'A read of a missing object is judged as S3 answers it: 404 (`NoSuchKey`) only to a caller allowed',
    '`s3:ListBucket` on the bucket, 403 otherwise, as AWS documents under "Permissions" of GetObject and',
    'HeadObject (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html). For a missing',
    'version (`NoSuchVersion`, 404) AWS documents no such rule either way; the judge assumes the same one,',
    'the stricter reading, which is why a function reading seed versions keeps `s3:ListBucket`.',
    '',
    '| Function | Statements | Actions used | Actions kept (with reason) |',
    '| --- | --- | --- | --- |',
  ];
  for (const fn of report.functions) {
    const sdk = fn.rows.filter((row) => row.runtime === null);
    const used = sdk.reduce((sum, row) => sum + row.used.length, 0);
    const kept = sdk.reduce((sum, row) => sum + row.kept.length, 0);
    lines.push(`| ${fn.id} | ${fn.rows.length} | ${used} | ${kept} |`);
  }
  for (const fn of report.functions) {
    lines.push(
      '',
      `## ${fn.id}`,
      '',
      '| Statement | Resource | Used | Kept | Why kept |',
      '| --- | --- | --- | --- | --- |',
    );
    for (const row of fn.rows) {
      const why = row.runtime ?? row.kept.map((entry) => `${entry.action}: ${entry.reason}`).join('<br>');
      lines.push(
        `| ${cell(row.statement)} | ${cell(row.resource)} | ${row.runtime ? '(Lambda service)' : row.used.join(', ')} | ${row.kept.map((entry) => entry.action).join(', ')} | ${cell(why)} |`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

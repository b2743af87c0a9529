/**
 * The operator's permissions as docs/operator-permissions.md documents them: one IAM policy per
 * CLI command that calls AWS, in a fenced `json` block under the command's `### \`name\`` heading,
 * with `${Placeholder}`s for the stack's resources. A local run judges each command's AWS calls
 * against its documented policy (as role `operator:<command>`), so a command that comes to need a
 * permission the page does not grant fails its test until the page grants it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../definitions.ts';
import type { FunctionRole, PolicyDocument, StackPolicies } from './stack-policies.ts';

export const OPERATOR_PERMISSIONS_DOC = join(REPO_ROOT, 'docs', 'operator-permissions.md');

/** The role id a command's calls are judged as. */
export function operatorRoleId(command: string): string {
  return `operator:${command}`;
}

const SECTION = /^### `([a-z][a-z -]*)`\s*$/;

/**
 * Each command's policy from the page's text, placeholders replaced by `values`; throws naming
 * the command whose block is missing, is no JSON, or uses a placeholder `values` lacks.
 */
export function parseOperatorPolicies(
  markdown: string,
  values: Readonly<Record<string, string>>,
): Map<string, PolicyDocument> {
  const policies = new Map<string, PolicyDocument>();
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const command = SECTION.exec(lines[i] ?? '')?.[1];
    if (!command) continue;
    const start = lines.findIndex((line, j) => j > i && line.trim() === '```json');
    const next = lines.findIndex((line, j) => j > i && SECTION.test(line));
    if (start === -1 || (next !== -1 && start > next))
      throw new Error(`${OPERATOR_PERMISSIONS_DOC}: ${command} has no \`\`\`json policy block`);
    const end = lines.findIndex((line, j) => j > start && line.trim() === '```');
    const text = lines
      .slice(start + 1, end)
      .join('\n')
      .replace(/\$\{(\w+)\}/g, (_, name: string) => {
        const value = values[name];
        if (value === undefined)
          throw new Error(`${OPERATOR_PERMISSIONS_DOC}: ${command} uses unknown placeholder \${${name}}`);
        return value;
      });
    try {
      policies.set(command, JSON.parse(text) as PolicyDocument);
    } catch (err) {
      throw new Error(`${OPERATOR_PERMISSIONS_DOC}: ${command}'s policy is no JSON`, { cause: err });
    }
  }
  return policies;
}

/** `policies` with one role per documented command (`operator:<command>`), read from the page. */
export function withOperatorRoles(
  policies: StackPolicies,
  values: Readonly<Record<string, string>>,
  markdown: string = readFileSync(OPERATOR_PERMISSIONS_DOC, 'utf8'),
): StackPolicies {
  const roles = new Map<string, FunctionRole>(policies.roles);
  for (const [command, policy] of parseOperatorPolicies(markdown, values)) {
    const functionId = operatorRoleId(command);
    roles.set(functionId, {
      functionId,
      roleArn: `arn:aws:iam::${policies.accountId}:role/simulacra-operator-${command.replace(/ /g, '-')}`,
      policies: [{ name: `docs/operator-permissions.md#${command}`, policy }],
    });
  }
  return { ...policies, roles };
}

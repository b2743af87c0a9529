/**
 * The synthesized CloudFormation template as the local stack reads it: its resources, the local
 * resource made for each logical id, and the intrinsics (`Ref`, `Fn::GetAtt`, `Fn::Join`,
 * `Fn::Sub`, `Fn::Select`) resolved against those. Provisioning is in template-resources.ts.
 */
/** The parts of a CloudFormation template this module reads. */
export interface CfnTemplate {
  readonly Resources: Readonly<Record<string, CfnResource>>;
}

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Readonly<Record<string, unknown>>;
  readonly Metadata?: Readonly<Record<string, unknown>>;
}

/** A local resource made for one logical id: what `Ref` and `Fn::GetAtt` resolve to. */
export interface LocalResource {
  readonly type: string;
  readonly ref: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/** A template value that cannot be resolved locally (names the logical id and why). */
export class TemplateResolutionError extends Error {
  override readonly name = 'TemplateResolutionError';
}

/** The account of every local stack (moto's default, and the synthesized template's). */
export const LOCAL_ACCOUNT = '123456789012';

/** Resolves `Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub` and `Fn::Select` against local resources. */
export function resolveValue(
  value: unknown,
  resources: ReadonlyMap<string, LocalResource>,
  region: string,
): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => resolveValue(item, resources, region));
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 1) {
    const [fn, arg] = entries[0] as [string, unknown];
    switch (fn) {
      case 'Ref':
        return resolveRef(String(arg), resources, region);
      case 'Fn::GetAtt': {
        const [id, attribute] = Array.isArray(arg) ? (arg as string[]) : String(arg).split('.');
        const resource = resources.get(String(id));
        const resolved = resource?.attributes[String(attribute)];
        if (resolved === undefined) {
          throw new TemplateResolutionError(
            `Fn::GetAtt ${String(id)}.${String(attribute)} has no local equivalent; add it to template-resources.ts`,
          );
        }
        return resolved;
      }
      case 'Fn::Join': {
        const [separator, parts] = arg as [string, unknown[]];
        return parts.map((part) => String(resolveValue(part, resources, region))).join(separator);
      }
      case 'Fn::Select': {
        const [index, list] = arg as [number, unknown];
        const items = resolveValue(list, resources, region) as unknown[];
        return items[Number(index)];
      }
      case 'Fn::Sub': {
        const [text, vars] = Array.isArray(arg)
          ? (arg as [string, Record<string, unknown>])
          : [String(arg), {}];
        return text.replace(/\$\{([^}]+)\}/g, (_match, name: string) => {
          if (name in vars) return String(resolveValue(vars[name], resources, region));
          const [id, attribute] = name.split('.');
          if (attribute) return String(resolveValue({ 'Fn::GetAtt': [id, attribute] }, resources, region));
          return String(resolveRef(name, resources, region));
        });
      }
      default:
        break;
    }
  }
  return Object.fromEntries(entries.map(([key, inner]) => [key, resolveValue(inner, resources, region)]));
}

function resolveRef(id: string, resources: ReadonlyMap<string, LocalResource>, region: string): string {
  switch (id) {
    case 'AWS::Region':
      return region;
    case 'AWS::AccountId':
      return LOCAL_ACCOUNT;
    case 'AWS::Partition':
      return 'aws';
    case 'AWS::URLSuffix':
      return 'amazonaws.com';
    case 'AWS::StackName':
      return 'local';
    default: {
      const resource = resources.get(id);
      if (!resource) throw new TemplateResolutionError(`Ref ${id} has no local resource`);
      return resource.ref;
    }
  }
}

/** A deterministic, S3- and DynamoDB-safe local name for a logical id. */
export function localName(logicalId: string, prefix = 'local'): string {
  return `${prefix}-${logicalId.toLowerCase().replace(/[^a-z0-9-]/g, '')}`.slice(0, 63);
}

/** The construct id a Lambda function was created from (`.../<Id>/Resource` in its CDK path). */
export function functionIdOf(resource: CfnResource): string | null {
  const path = resource.Metadata?.['aws:cdk:path'];
  if (typeof path !== 'string') return null;
  const parts = path.split('/');
  return parts.length >= 2 ? (parts[parts.length - 2] ?? null) : null;
}

/**
 * The base of the pipeline's child constructs (storage, credentials, catalog, events, functions,
 * workflows). A part groups resources in the construct tree without renaming them: every
 * CloudFormation element under a part keeps the logical id it would have directly under the
 * pipeline, so the split into parts replaces no deployed resource. (CDK derives logical ids from
 * construct paths; a new path segment would otherwise give every bucket, table and key a new id,
 * and CloudFormation would create new ones.)
 */
import { createHash } from 'node:crypto';
import { Aspects, CfnElement, Stack, type IAspect } from 'aws-cdk-lib';
import { Construct, type IConstruct } from 'constructs';

/** CDK's hidden path component (see aws-cdk-lib `makeUniqueId`). */
const HIDDEN_ID = 'Default';
/** Dropped from the readable part of an id, but still hashed. */
const HIDDEN_FROM_HUMAN_ID = 'Resource';
const HASH_LENGTH = 8;
const MAX_HUMAN_LENGTH = 240;
const MAX_ID_LENGTH = 255;

function alphanumeric(component: string): string {
  return component.replace(/[^A-Za-z0-9]/g, '');
}

/** The same id aws-cdk-lib's `makeUniqueId` computes for a construct path. */
export function uniqueIdOf(path: readonly string[]): string {
  const components = path.filter((component) => component !== HIDDEN_ID);
  if (components.length === 0) throw new Error('uniqueIdOf: an empty path has no id');
  if (components.length === 1) {
    const single = alphanumeric(components[0] ?? '');
    if (single.length <= MAX_ID_LENGTH) return single;
  }
  const hash = createHash('md5')
    .update(components.join('/'))
    .digest('hex')
    .slice(0, HASH_LENGTH)
    .toUpperCase();
  const human: string[] = [];
  for (const component of components) {
    const last = human[human.length - 1];
    if (last === undefined || !last.endsWith(component)) human.push(component);
  }
  return (
    human
      .filter((component) => component !== HIDDEN_FROM_HUMAN_ID)
      .map(alphanumeric)
      .join('')
      .slice(0, MAX_HUMAN_LENGTH) + hash
  );
}

/** Construct ids from `from` (exclusive) down to `construct`, leaving out pipeline parts. */
function pathWithoutParts(construct: IConstruct, from: IConstruct | undefined): string[] {
  const scopes = construct.node.scopes;
  const start = from === undefined ? 1 : scopes.indexOf(from) + 1;
  return scopes
    .slice(start)
    .filter((scope) => !(scope instanceof PipelinePart))
    .map((scope) => scope.node.id);
}

/** The logical id `element` had before the pipeline was split into parts. */
export function logicalIdWithoutParts(element: CfnElement): string {
  return uniqueIdOf(pathWithoutParts(element, Stack.of(element)));
}

/** `Names.uniqueId` of `construct` as it was before the split (physical names derive from it). */
export function uniqueIdWithoutParts(construct: IConstruct): string {
  return uniqueIdOf(pathWithoutParts(construct, undefined));
}

const pinned = new WeakSet<CfnElement>();

/**
 * Gives `element` the logical id `legacyId` through the stack's rename table, so
 * `stack.getLogicalId(element)` returns the id the template holds and a user's
 * `overrideLogicalId` still wins.
 */
function pin(element: CfnElement, legacyId: string): void {
  pinned.add(element);
  const stack = Stack.of(element);
  const generated = stack.getLogicalId(element);
  if (generated !== legacyId) stack.renameLogicalId(generated, legacyId);
}

/** Fixes the logical id of every element under `scope` that is not fixed yet (each once). */
export function pinLogicalIds(scope: IConstruct): void {
  for (const child of scope.node.findAll()) {
    if (CfnElement.isCfnElement(child) && !pinned.has(child)) pin(child, logicalIdWithoutParts(child));
  }
}

/**
 * Pins an element whose construct id CDK named after another construct's path
 * (`<prefix><Names.uniqueId(source)>`, e.g. EventBridge's `AllowEventRule...` invoke permission)
 * to the id it had before the split, when `source` now sits in a part.
 */
export function pinLogicalIdNamedAfter(element: CfnElement, prefix: string, source: IConstruct): void {
  const path = pathWithoutParts(element, Stack.of(element));
  path[path.length - 1] = `${prefix}${uniqueIdWithoutParts(source)}`;
  pin(element, uniqueIdOf(path));
}

/** Pins elements added to a part after its construction (a grant adding a permission, say). */
class PinLogicalIds implements IAspect {
  visit(node: IConstruct): void {
    if (CfnElement.isCfnElement(node) && !pinned.has(node)) pinLogicalIds(node);
  }
}

/**
 * A child construct of `SimulacraPipeline` whose resources keep the pipeline-level logical ids.
 * Subclasses call `pinLogicalIds()` after creating resources, before another part resolves
 * references to them (cdk-nag acknowledgements embed resolved ARNs).
 */
export abstract class PipelinePart extends Construct {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    Aspects.of(this).add(new PinLogicalIds());
  }

  protected pinLogicalIds(): void {
    pinLogicalIds(this);
  }
}

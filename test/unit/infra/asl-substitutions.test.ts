import type { Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import {
  AslDefinitionError,
  loadAslDefinition,
  placeholdersIn,
  STATE_MACHINE_FILES,
  substitutionsFor,
} from '../../../lib/asl-definition.ts';
import { aslValuePlaceholders, pipelineFunctions } from '../../../lib/pipeline-functions.ts';
import { synthPipeline } from '../../support/infra-fixtures.ts';

const { json, pipeline, stack } = synthPipeline();

function substitutionsOf(
  machineStack: Stack,
  machine: typeof pipeline.ingestStateMachine,
): Record<string, unknown> {
  const id = machineStack.getLogicalId(machine.node.defaultChild as never);
  return json.Resources[id]!.Properties!['DefinitionSubstitutions'] as Record<string, unknown>;
}

describe('state machine definition substitutions', () => {
  it.each([
    ['ingest', () => pipeline.ingestStateMachine],
    ['generate', () => pipeline.generateStateMachine],
  ] as const)('resolve every ${...} placeholder of %s.asl.json read from disk', (name, machine) => {
    const definition = loadAslDefinition(STATE_MACHINE_FILES[name]);
    expect(definition.placeholders.length).toBeGreaterThan(0);
    const substitutions = substitutionsOf(stack, machine());
    expect(Object.keys(substitutions).sort()).toEqual([...definition.placeholders].sort());
    for (const placeholder of definition.placeholders) {
      const spec = pipelineFunctions.find((s) => s.aslPlaceholder === placeholder);
      if (spec) {
        const fnId = stack.getLogicalId(pipeline.functions[spec.id]!.node.defaultChild as never);
        expect(substitutions[placeholder], placeholder).toEqual({ 'Fn::GetAtt': [fnId, 'Arn'] });
      } else {
        expect(aslValuePlaceholders as readonly string[]).toContain(placeholder);
        expect(substitutions[placeholder]).toBe('4');
      }
    }
  });

  it('every Task in the definitions is a function placeholder (the role grants exactly those)', () => {
    for (const file of Object.values(STATE_MACHINE_FILES)) {
      const definition = loadAslDefinition(file);
      for (const resource of definition.taskResources) {
        const names = placeholdersIn(resource);
        expect(names, `${file}: ${resource}`).toHaveLength(1);
        expect(
          pipelineFunctions.some((s) => s.aslPlaceholder === names[0]),
          resource,
        ).toBe(true);
      }
    }
  });

  it('fails synth with the placeholder name and the fix when nothing provides it', () => {
    const definition = { ...loadAslDefinition(STATE_MACHINE_FILES.generate), placeholders: ['NewThingArn'] };
    expect(() => substitutionsFor(definition, { UploadSeedFunctionArn: 'x' })).toThrow(AslDefinitionError);
    expect(() => substitutionsFor(definition, { UploadSeedFunctionArn: 'x' })).toThrow(
      /uses placeholder\(s\) \$\{NewThingArn\} that nothing provides.*lib\/pipeline-functions\.ts/,
    );
  });

  it('finds placeholders once each, in order', () => {
    expect(placeholdersIn('${A} ${B} ${A} $notone {C}')).toEqual(['A', 'B']);
  });
});

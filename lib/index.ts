export * from './simulacra-pipeline.ts';
export * from './pipeline-props.ts';
export * from './props-validation.ts';
export * from './pipeline-monitoring.ts';
export * from './demo-stack.ts';
// The event contract consumers build against: detail types, detail shapes and JSON Schemas.
export * from '../src/events/catalog.ts';
export * from '../src/events/schemas.ts';
export * from '../src/names/rules.ts';

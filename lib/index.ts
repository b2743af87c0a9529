export * from './simulacra-pipeline.ts';
export * from './pipeline-props.ts';
export * from './props-validation.ts';
export * from './pipeline-monitoring.ts';
export * from './demo-stack.ts';

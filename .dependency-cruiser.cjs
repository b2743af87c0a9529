/**
 * The project's layers and the direction imports may take (checked by `npm test`, step
 * "layers"; docs/development.md explains them):
 *
 *   core            src/ except src/cli and src/local: domain, client, conditions, landing,
 *                   catalog, state, credentials, observability and the contracts shared with
 *                   the state machines (src/contracts). Imports nothing above it.
 *   adapters        lambdas/: thin Lambda handlers over the core.
 *   infrastructure  lib/, bin/: the CDK construct and app.
 *   tools           src/cli, src/local, simulator/, bench/, scripts/, spec/ (the OpenAPI patches and generator).
 *   tests           test/: may import anything; nothing outside test/ imports them except
 *                   benchmarks, which use the harnesses in test/support/.
 *
 * No import cycle anywhere. The counter-examples in test/unit/project/layers.test.ts prove each
 * rule fires.
 */
const CORE = '^src/(?!cli/|local/)';
const ADAPTERS = '^lambdas/';
const INFRA = '^(lib|bin)/';
const TOOLS = '^(src/cli/|src/local/|simulator/|bench/|scripts/|spec/)';
const TESTS = '^test/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'core-imports-nothing-above',
      comment: 'The core (src/ except src/cli and src/local) imports only the core and packages.',
      severity: 'error',
      from: { path: CORE },
      to: { path: [ADAPTERS, INFRA, TOOLS, TESTS] },
    },
    {
      name: 'adapters-import-only-the-core',
      comment: 'Lambda handlers (lambdas/) import the core, never the construct, the tools or tests.',
      severity: 'error',
      from: { path: ADAPTERS },
      to: { path: [INFRA, TOOLS, TESTS] },
    },
    {
      name: 'infrastructure-imports-no-adapters-or-tools',
      comment:
        'The construct names handler files by path (bundled at synth); it never imports them, the tools or tests.',
      severity: 'error',
      from: { path: INFRA },
      to: { path: [ADAPTERS, TOOLS, TESTS] },
    },
    {
      name: 'tools-import-no-tests',
      comment:
        'Tools never import tests; benchmarks may drive the pipeline through the shared harnesses in test/support/.',
      severity: 'error',
      from: { path: TOOLS },
      to: { path: TESTS, pathNot: '^test/support/' },
    },
    {
      name: 'only-benchmarks-use-test-support',
      comment: 'Of the tools, only benchmarks use test/support/ (the CLI and local runner ship).',
      severity: 'error',
      from: { path: TOOLS, pathNot: '^bench/' },
      to: { path: '^test/support/' },
    },
    {
      name: 'nothing-imports-test-files',
      comment: 'Test files are leaves: shared code lives in test/support/ or test/fixtures/.',
      severity: 'error',
      from: {},
      to: { path: '\\.test\\.ts$' },
    },
    {
      name: 'no-cycles',
      comment: 'No module reaches itself through its imports (type-only imports included).',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|\\.tools|\\.venv|\\.cache|cdk\\.out|coverage|reports)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.mjs', '.js', '.cjs', '.json'] },
    skipAnalysisNotInRules: true,
  },
};

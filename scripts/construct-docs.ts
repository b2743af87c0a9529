/**
 * The props and properties tables of docs/construct.md, generated from the TSDoc of
 * `lib/pipeline-props.ts` (every exported `Simulacra*Props`/`SimulacraFunctionOverrides`
 * interface) and of the public members of `SimulacraPipeline`, so the documentation cannot drift
 * from the source. `npm run gen:docs` rewrites the tables between their markers; `--check` (and
 * test/unit/project/construct-docs.test.ts in `npm test`) fails when they differ.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { PROJECT_ROOT } from '../lib/asl-definition.ts';

export const CONSTRUCT_DOC = 'docs/construct.md';
const PROPS_SOURCE = 'lib/pipeline-props.ts';
const CONSTRUCT_SOURCE = 'lib/simulacra-pipeline.ts';
const CONSTRUCT_CLASS = 'SimulacraPipeline';

/** A generated block: its marker name and its Markdown. */
export interface GeneratedBlock {
  readonly name: string;
  readonly markdown: string;
}

function parse(root: string, file: string): ts.SourceFile {
  const text = readFileSync(path.join(root, file), 'utf8');
  return ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
}

function cell(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/\|/g, '\\|').trim();
}

function commentText(comment: string | ts.NodeArray<ts.JSDocComment> | undefined): string {
  if (comment === undefined) return '';
  return typeof comment === 'string' ? comment : comment.map((part) => part.getText()).join('');
}

/** The summary and the `@default` of a declaration's TSDoc. */
function docOf(node: ts.Node): { summary: string; defaultValue: string } {
  const docs = ts.getJSDocCommentsAndTags(node).filter((doc): doc is ts.JSDoc => ts.isJSDoc(doc));
  const doc = docs[docs.length - 1];
  const tag = doc?.tags?.find((candidate) => candidate.tagName.text === 'default');
  const defaultValue = commentText(tag?.comment).replace(/^-\s*/, '');
  return { summary: commentText(doc?.comment), defaultValue };
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function propsTable(iface: ts.InterfaceDeclaration): string {
  const rows = iface.members.filter(ts.isPropertySignature).map((member) => {
    const { summary, defaultValue } = docOf(member);
    const name = member.name.getText();
    const required = member.questionToken === undefined;
    return [
      `\`${name}\`${required ? ' (required)' : ''}`,
      `\`${cell(member.type?.getText() ?? 'unknown')}\``,
      required ? '–' : cell(defaultValue || '–'),
      cell(summary),
    ];
  });
  return table(['Name', 'Type', 'Default', 'Description'], rows);
}

function isPublic(member: ts.ClassElement): boolean {
  const modifiers = ts.canHaveModifiers(member) ? (ts.getModifiers(member) ?? []) : [];
  return !modifiers.some(
    (modifier) =>
      modifier.kind === ts.SyntaxKind.PrivateKeyword || modifier.kind === ts.SyntaxKind.ProtectedKeyword,
  );
}

function propertiesTables(cls: ts.ClassDeclaration): GeneratedBlock[] {
  const members = cls.members.filter(isPublic);
  const properties = members
    .filter(ts.isPropertyDeclaration)
    .map((member) => [
      `\`${member.name.getText()}\`${member.questionToken ? ' (optional)' : ''}`,
      `\`${cell(member.type?.getText() ?? 'unknown')}\``,
      cell(docOf(member).summary),
    ]);
  const methods = members.filter(ts.isMethodDeclaration).map((member) => {
    const parameters = member.parameters.map((parameter) => parameter.getText()).join(', ');
    return [
      `\`${member.name.getText()}(${cell(parameters)})\``,
      `\`${cell(member.type?.getText() ?? 'void')}\``,
      cell(docOf(member).summary),
    ];
  });
  return [
    { name: 'properties', markdown: table(['Name', 'Type', 'Description'], properties) },
    { name: 'methods', markdown: table(['Method', 'Returns', 'Description'], methods) },
  ];
}

/** Every generated block, from the sources under `root`. */
export function renderConstructTables(root: string = PROJECT_ROOT): GeneratedBlock[] {
  const props = parse(root, PROPS_SOURCE);
  const interfaces = props.statements.filter(
    (statement): statement is ts.InterfaceDeclaration =>
      ts.isInterfaceDeclaration(statement) && statement.name.text.startsWith('Simulacra'),
  );
  const blocks = interfaces.map((iface) => ({
    name: `props:${iface.name.text}`,
    markdown: propsTable(iface),
  }));
  const cls = parse(root, CONSTRUCT_SOURCE).statements.find(
    (statement): statement is ts.ClassDeclaration =>
      ts.isClassDeclaration(statement) && statement.name?.text === CONSTRUCT_CLASS,
  );
  if (!cls) throw new Error(`construct-docs: no class ${CONSTRUCT_CLASS} in ${CONSTRUCT_SOURCE}`);
  return [...blocks, ...propertiesTables(cls)];
}

const markers = (name: string): [string, string] => [
  `<!-- generated:${name} (npm run gen:docs) -->`,
  `<!-- end generated:${name} -->`,
];

/**
 * `doc` with each block's text replaced between its markers.
 *
 * @throws Error naming a block whose markers are missing from the document.
 */
export function withGeneratedBlocks(doc: string, blocks: readonly GeneratedBlock[]): string {
  let out = doc;
  for (const block of blocks) {
    const [start, end] = markers(block.name);
    const from = out.indexOf(start);
    const to = out.indexOf(end, from);
    if (from < 0 || to < 0) {
      throw new Error(`construct-docs: ${CONSTRUCT_DOC} has no "${start}" ... "${end}" block; add one.`);
    }
    out = `${out.slice(0, from + start.length)}\n\n${block.markdown}\n\n${out.slice(to)}`;
  }
  return out;
}

function main(argv: readonly string[]): number {
  const file = path.join(PROJECT_ROOT, CONSTRUCT_DOC);
  const current = readFileSync(file, 'utf8');
  const generated = withGeneratedBlocks(current, renderConstructTables());
  if (argv.includes('--check')) {
    if (generated === current) return 0;
    console.error(`${CONSTRUCT_DOC} is out of date with the construct's TSDoc: run npm run gen:docs`);
    return 1;
  }
  if (generated !== current) writeFileSync(file, generated);
  return 0;
}

if (import.meta.main) process.exitCode = main(process.argv.slice(2));

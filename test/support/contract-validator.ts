/**
 * Validates recorded HTTP responses against the patched OpenAPI contract with ajv (JSON Schema
 * 2020-12, as OpenAPI 3.1 uses): the operation and status must be documented, the content type
 * declared, the JSON body valid, and `X-Request-Id` present.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { FormatsPlugin } from 'ajv-formats';

type Json = Record<string, unknown>;

const addFormats = addFormatsModule as unknown as FormatsPlugin;

/** One response seen on the wire. */
export interface RecordedExchange {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly contentType: string | null;
  readonly xRequestId: string | null;
  readonly body: unknown;
}

export const PATCHED_SPEC_PATH = new URL('../../spec/simulacra-openapi.patched.json', import.meta.url);

function pointer(parts: readonly string[]): string {
  return parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
}

export class ContractValidator {
  private readonly spec: Json;
  private readonly ajv: Ajv2020;
  private readonly templates: Array<{ template: string; regex: RegExp }>;

  constructor(specPath: URL = PATCHED_SPEC_PATH) {
    this.spec = JSON.parse(readFileSync(specPath, 'utf8')) as Json;
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
    addFormats(this.ajv);
    this.ajv.addSchema(this.spec, 'spec');
    this.templates = Object.keys(this.spec.paths as Json).map((template) => ({
      template,
      regex: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
    }));
  }

  private resolve(node: Json): Json {
    let current = node;
    while (typeof current.$ref === 'string') {
      const parts = current.$ref.replace(/^#\//, '').split('/');
      current = parts.reduce<Json>(
        (acc, key) => acc[key.replace(/~1/g, '/').replace(/~0/g, '~')] as Json,
        this.spec,
      );
    }
    return current;
  }

  /** Every contract violation of `exchange` (empty when it conforms). */
  violations(exchange: RecordedExchange): string[] {
    const label = `${exchange.method} ${exchange.path} -> ${exchange.status}`;
    const match = this.templates.find((t) => t.regex.test(exchange.path.split('?')[0] ?? ''));
    if (!match) return [`${label}: path not in the contract`];
    const operation = (this.spec.paths as Json)[match.template] as Json;
    const op = operation[exchange.method.toLowerCase()] as Json | undefined;
    if (!op) return [`${label}: method not in the contract`];
    const responses = op.responses as Json;
    const statusKey =
      String(exchange.status) in responses
        ? String(exchange.status)
        : 'default' in responses
          ? 'default'
          : null;
    if (statusKey === null) return [`${label}: status not documented`];
    const response = this.resolve(responses[statusKey] as Json);
    const problems: string[] = [];
    const headers = (response.headers ?? {}) as Json;
    if ('X-Request-Id' in headers && !exchange.xRequestId)
      problems.push(`${label}: X-Request-Id header missing`);
    const content = response.content as Json | undefined;
    if (!content) {
      if (exchange.body !== undefined && exchange.body !== null && exchange.body !== '') {
        problems.push(`${label}: body sent where none is documented`);
      }
      return problems;
    }
    const mediaType = (exchange.contentType ?? '').split(';')[0]!.trim();
    if (!(mediaType in content)) {
      problems.push(`${label}: content type "${mediaType}" not in ${Object.keys(content).join(', ')}`);
      return problems;
    }
    const media = content[mediaType] as Json;
    if (!media.schema || typeof exchange.body !== 'object') return problems;
    const ref = `spec#/${pointer(['paths', match.template, exchange.method.toLowerCase(), 'responses', statusKey])}`;
    const schemaRef =
      typeof (responses[statusKey] as Json).$ref === 'string'
        ? `spec#/${((responses[statusKey] as Json).$ref as string).replace(/^#\//, '')}/content/${pointer([mediaType])}/schema`
        : `${ref}/content/${pointer([mediaType])}/schema`;
    const validate = this.ajv.getSchema(schemaRef) ?? this.ajv.compile({ $ref: schemaRef });
    if (!validate(exchange.body)) {
      for (const error of validate.errors ?? []) {
        problems.push(
          `${label}: ${error.instancePath || '/'} ${error.message ?? 'invalid'} ${JSON.stringify(error.params)}`,
        );
      }
    }
    return problems;
  }
}

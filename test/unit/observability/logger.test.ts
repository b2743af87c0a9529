import { LogFormatter, LogItem } from '@aws-lambda-powertools/logger';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createLogger,
  DEFAULT_SERVICE_NAME,
  logger,
  METRICS_NAMESPACE,
  metrics,
  metricsNamespace,
  metricsWarningsLogger,
  RedactingLogger,
  redact,
} from '../../../src/observability/logger.ts';

const JWT =
  'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhY21lQGNsaWVudHMifQ.c2lnbmF0dXJlLXBhcnQtZm9yLXRlc3Q';
const SECRET = 'Zq8sV3nR1tY6uI0oP4aS7dF2gH5jK9lXzz';
const CLAIM = 'cred_0123456789abcdef0123456789abcdef';
const SIG = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b';
const MANAGED_URL = `/v1/generations/gen_1/download?expires=1767225600&sig=${SIG}`;
const PRESIGNED = `https://customer-bucket.s3.amazonaws.com/out/gen_1.bin?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE%2F20260101&X-Amz-Signature=${SIG}`;
const ROW_VALUE = 'alice.customer@example.com';

/** Every fragment that must never appear in any emitted line. */
const FORBIDDEN = [SECRET, 'eyJ', CLAIM, SIG, 'hunter2', ROW_VALUE, 'Bearer abc', 'AKIAEXAMPLE'];
/** Identifiers that must stay visible. */
const IDS = {
  dataset_id: 'ds_visible1',
  generation_id: 'gen_visible2',
  request_id: 'req_visible3',
  job_id: 'job_visible4',
};

let lines: string[] = [];
const originalEnv = { ...process.env };

function capture(): void {
  lines = [];
  const grab = (chunk: unknown): boolean => {
    lines.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(grab);
  vi.spyOn(process.stderr, 'write').mockImplementation(grab);
}

function emitted(): Array<Record<string, unknown>> {
  return lines
    .join('')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function expectClean(): void {
  const all = lines.join('');
  expect(all.length).toBeGreaterThan(0);
  for (const fragment of FORBIDDEN) expect(all, `leaked ${fragment}`).not.toContain(fragment);
}

beforeEach(() => capture());
afterEach(() => {
  vi.restoreAllMocks();
  process.env = { ...originalEnv };
});

describe('redacting logger', () => {
  it('writes Powertools JSON with the service name and keeps ids visible', () => {
    logger.info('dataset ready', IDS);
    const [line] = emitted();
    expect(line).toMatchObject({
      level: 'INFO',
      message: 'dataset ready',
      service: DEFAULT_SERVICE_NAME,
      ...IDS,
    });
    expect(typeof line!.timestamp).toBe('string');
  });

  it('redacts secrets in message strings', () => {
    const log = createLogger('test');
    log.info(`Authorization: Bearer ${JWT}`);
    log.info(`token is ${JWT}`);
    log.info(`downloading ${MANAGED_URL} and ${PRESIGNED}`);
    log.info(`claim ${CLAIM} for client_secret=${SECRET}`);
    log.info(
      `response {"access_token":"${JWT}","client_secret":"${SECRET}","rows":[{"email":"${ROW_VALUE}"}],"request_id":"req_1"}`,
    );
    log.warn('password: hunter2');
    expectClean();
    const messages = emitted().map((l) => l.message);
    expect(messages[0]).toBe('Authorization: Bearer [REDACTED]');
    expect(messages[2]).toBe('downloading [REDACTED_URL] and [REDACTED_URL]');
    expect(messages[4]).toContain('"request_id":"req_1"');
  });

  it('redacts sensitive extra keys at any depth, in arrays, and in object input', () => {
    const log = createLogger('test');
    log.info('call', {
      ...IDS,
      client_secret: SECRET,
      secret: SECRET,
      password: 'hunter2',
      token: JWT,
      access_token: JWT,
      authorization: `Bearer ${JWT}`,
      credential_claim_token: CLAIM,
      claim_token: CLAIM,
      artifact_url: MANAGED_URL,
      rows: [{ email: ROW_VALUE }],
      data: [[ROW_VALUE]],
      records: [{ email: ROW_VALUE }],
      sample: { email: ROW_VALUE },
      nested: { headers: { Authorization: `Bearer ${JWT}` }, list: [{ clientSecret: SECRET }, `sig=${SIG}`] },
    });
    log.info({ message: 'object input', token: JWT, ...IDS });
    log.info('extra string', `Bearer ${JWT}`);
    expectClean();
    const [first, second, third] = emitted();
    expect(first).toMatchObject({
      ...IDS,
      client_secret: '[REDACTED]',
      rows: '[REDACTED]',
      artifact_url: '[REDACTED]',
    });
    expect(second).toMatchObject({ message: 'object input', token: '[REDACTED]', ...IDS });
    expect(third!.extra).toBe('Bearer [REDACTED]');
  });

  it('redacts errors: message, stack, extra fields and causes', () => {
    const log = createLogger('test');
    const cause = new Error(`Auth0 rejected client_secret=${SECRET}`);
    const err = Object.assign(new Error(`GET ${MANAGED_URL} failed with Bearer ${JWT}`, { cause }), {
      generation_id: 'gen_visible2',
      authorization: `Bearer ${JWT}`,
      body: { rows: [ROW_VALUE] },
    });
    log.error('landing failed', err);
    log.error('as a key', { error: err, other: new Error(`claim ${CLAIM}`) });
    log.error('string cause', { error: new Error('outer', { cause: `password=hunter2 ${JWT}` }) });
    expectClean();
    const [first] = emitted();
    const error = first!.error as Record<string, unknown>;
    expect(error).toMatchObject({
      name: 'Error',
      generation_id: 'gen_visible2',
      authorization: '[REDACTED]',
    });
    expect(error.message).toBe('GET [REDACTED_URL] failed with Bearer [REDACTED]');
    expect((error.cause as Record<string, unknown>).message).toBe('Auth0 rejected client_secret=[REDACTED]');
    expect(typeof error.location).toBe('string');
  });

  it('redacts persistent and temporary keys, also on child loggers', () => {
    const log = new RedactingLogger({
      serviceName: 'persist',
      persistentKeys: { client_secret: SECRET, dataset_id: 'ds_visible1', note: `Bearer ${JWT}` },
    });
    log.appendPersistentKeys({ token: JWT, job_id: 'job_visible4' });
    log.appendKeys({ claim_token: CLAIM, request_id: 'req_visible3' });
    log.info('parent');
    const child = log.createChild({ persistentKeys: { password: 'hunter2' } });
    expect(child).toBeInstanceOf(RedactingLogger);
    child.info(`child ${JWT}`);
    expectClean();
    for (const line of emitted()) {
      expect(line).toMatchObject({
        dataset_id: 'ds_visible1',
        job_id: 'job_visible4',
        client_secret: '[REDACTED]',
        note: 'Bearer [REDACTED]',
      });
    }
    expect(emitted()[1]).toMatchObject({ password: '[REDACTED]', service: 'persist' });
  });

  it('cannot be configured out of redaction', () => {
    class PassThroughFormatter extends LogFormatter {
      formatAttributes(attributes: { message: unknown }, extra: Record<string, unknown>): LogItem {
        return new LogItem({ attributes: { message: attributes.message, ...extra } });
      }
    }
    const log = new RedactingLogger({
      logFormatter: new PassThroughFormatter(),
      jsonReplacerFn: (_key: string, value: unknown) => value,
    });
    log.info(`Bearer ${JWT}`, { client_secret: SECRET });
    log.createChild({ logFormatter: new PassThroughFormatter() }).info(`child Bearer ${JWT}`, { token: JWT });
    expectClean();
  });

  it('redacts buffered log lines when the buffer is flushed', () => {
    process.env._X_AMZN_TRACE_ID =
      'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
    const log = new RedactingLogger({
      logLevel: 'INFO',
      logBufferOptions: { enabled: true, bufferAtVerbosity: 'DEBUG' },
    });
    log.debug(`buffered Bearer ${JWT}`, { client_secret: SECRET, ...IDS });
    expect(lines.join('')).toBe('');
    log.flushBuffer();
    expectClean();
    expect(emitted()[0]).toMatchObject({ message: 'buffered Bearer [REDACTED]', ...IDS });
  });

  it('redacts in POWERTOOLS_DEV mode, where Powertools writes through the global console', () => {
    process.env.POWERTOOLS_DEV = 'true';
    const seen: string[] = [];
    for (const method of ['info', 'warn', 'error', 'debug', 'log'] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        seen.push(args.map(String).join(' '));
      });
    }
    const log = createLogger('dev');
    log.info('dev', { token: JWT, artifact_url: PRESIGNED, ...IDS });
    log.error(`dev error ${MANAGED_URL}`, new Error(`client_secret=${SECRET}`));
    const all = seen.join('\n');
    expect(seen).toHaveLength(2);
    for (const fragment of FORBIDDEN) expect(all).not.toContain(fragment);
    expect(all).toContain('ds_visible1');
  });
});

describe('metrics', () => {
  it('publishes metrics under the SimulacraPipeline namespace', () => {
    metrics.addMetric('ScenariosLanded', 'Count', 1);
    metrics.publishStoredMetrics();
    const emf = emitted().find((line) => '_aws' in line) as {
      _aws: { CloudWatchMetrics: Array<{ Namespace: string }> };
    };
    expect(emf._aws.CloudWatchMetrics[0]!.Namespace).toBe(METRICS_NAMESPACE);
    expect(METRICS_NAMESPACE).toBe('SimulacraPipeline');
  });

  it('honours the namespace the construct sets (POWERTOOLS_METRICS_NAMESPACE)', async () => {
    expect(metricsNamespace({ POWERTOOLS_METRICS_NAMESPACE: 'AcmeData' })).toBe('AcmeData');
    expect(metricsNamespace({ POWERTOOLS_METRICS_NAMESPACE: '' })).toBe(METRICS_NAMESPACE);
    vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', 'AcmeData');
    vi.resetModules();
    try {
      const fresh = await import('../../../src/observability/logger.ts');
      fresh.metrics.addMetric('ScenariosLanded', 'Count', 1);
      fresh.metrics.publishStoredMetrics();
      const emf = emitted()
        .filter((line) => '_aws' in line)
        .at(-1) as { _aws: { CloudWatchMetrics: Array<{ Namespace: string }> } };
      expect(emf._aws.CloudWatchMetrics[0]!.Namespace).toBe('AcmeData');
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("stays quiet when an invocation has no metrics, and keeps the utility's other warnings", () => {
    metrics.publishStoredMetrics();
    expect(lines.join('')).toBe('');
    metricsWarningsLogger.warn('Dimension "feed" has already been added.');
    expect(emitted()).toEqual([
      expect.objectContaining({ level: 'WARN', message: 'Dimension "feed" has already been added.' }),
    ]);
  });

  it('re-exports redact', () => {
    expect(redact({ token: 'x' })).toEqual({ token: '[REDACTED]' });
  });
});

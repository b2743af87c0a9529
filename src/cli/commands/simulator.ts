/**
 * `simulator`: runs the local Simulacra API simulator until SIGINT/SIGTERM and prints one JSON
 * line with its endpoints and the demo tenant's credentials. Enterprise mode starts moto and
 * creates a KMS key unless `--kms-endpoint` and `--kms-key-id` point at an existing one.
 */
import { parseArgs } from 'node:util';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import type { CliCommand } from '../command.ts';
import { startSimulator, type SimulatorOptions } from '../../../simulator/index.ts';
import { startMoto, type RunningMoto } from '../../local/moto.ts';

const USAGE = `Usage: simulacra-pipeline simulator [options]

  --port N             API port (default 0 = a free port)
  --host ADDR          listen address (default 127.0.0.1)
  --mode M             managed (default) or enterprise
  --auto-approve       approve signups and rotation requests immediately
  --faults SPEC        fault specification, see docs/simulator.md
  --persist DIR        keep state in DIR and reload it on start
  --training-ms N      duration of a training job (default 1500)
  --generation-ms N    duration of a generation job (default 1000)
  --seed N             seed of the fault RNG (default 1)
  --null-style S       empty-object (default, as the vendor's examples) or null
  --generation-mode M  perturbed (default), bootstrap (leaky smoothed bootstrap) or copy (seed rows)
  --kms-endpoint URL   enterprise: KMS endpoint (default: start moto)
  --kms-key-id ID      enterprise: KMS key id (default: create one)
  --kms-region R       enterprise: KMS region (default us-east-1)

Prints one JSON line {api_base, token_url, audience, client_id, client_secret, mode} and runs until
SIGINT or SIGTERM.`;

function integerOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`--${name} must be a non-negative integer, got "${value}".`);
  return n;
}

async function enterpriseKms(values: Record<string, string | boolean | undefined>): Promise<{
  options: NonNullable<SimulatorOptions['enterprise']>;
  moto: RunningMoto | null;
}> {
  const region = typeof values['kms-region'] === 'string' ? values['kms-region'] : 'us-east-1';
  const endpoint = typeof values['kms-endpoint'] === 'string' ? values['kms-endpoint'] : undefined;
  const keyId = typeof values['kms-key-id'] === 'string' ? values['kms-key-id'] : undefined;
  if (endpoint && keyId) {
    return { options: { kms: { endpoint, region }, keyId }, moto: null };
  }
  const moto = endpoint ? null : await startMoto({ region });
  const kmsConfig = moto
    ? { endpoint: moto.endpoint, region, credentials: moto.credentials }
    : { endpoint: endpoint ?? '', region };
  const kms = new KMSClient(kmsConfig);
  try {
    const created = await kms.send(
      new CreateKeyCommand({
        Description: 'Simulacra simulator enterprise artifact key',
        KeySpec: 'SYMMETRIC_DEFAULT',
      }),
    );
    const id = created.KeyMetadata?.KeyId;
    if (!id) throw new Error('KMS CreateKey returned no key id.');
    return { options: { kms: kmsConfig, keyId: id }, moto };
  } catch (error) {
    await moto?.stop();
    throw error;
  } finally {
    kms.destroy();
  }
}

export const simulatorCommand: CliCommand = {
  summary: 'Run the local Simulacra API simulator (prints endpoints and demo credentials as JSON)',
  async run(args) {
    let values: Record<string, string | boolean | undefined>;
    try {
      values = parseArgs({
        args,
        options: {
          port: { type: 'string' },
          host: { type: 'string' },
          mode: { type: 'string' },
          'auto-approve': { type: 'boolean' },
          faults: { type: 'string' },
          persist: { type: 'string' },
          'training-ms': { type: 'string' },
          'generation-ms': { type: 'string' },
          seed: { type: 'string' },
          'null-style': { type: 'string' },
          'generation-mode': { type: 'string' },
          'kms-endpoint': { type: 'string' },
          'kms-key-id': { type: 'string' },
          'kms-region': { type: 'string' },
          help: { type: 'boolean', short: 'h' },
        },
        strict: true,
      }).values;
    } catch (error) {
      console.error(`${(error as Error).message}\n\n${USAGE}`);
      return 2;
    }
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    const mode = values.mode ?? 'managed';
    if (mode !== 'managed' && mode !== 'enterprise') {
      console.error(`--mode must be managed or enterprise, got "${String(mode)}".`);
      return 2;
    }
    const nullStyle = values['null-style'] ?? 'empty-object';
    if (nullStyle !== 'empty-object' && nullStyle !== 'null') {
      console.error(`--null-style must be empty-object or null, got "${String(nullStyle)}".`);
      return 2;
    }
    const generationMode = values['generation-mode'] ?? 'perturbed';
    if (generationMode !== 'perturbed' && generationMode !== 'bootstrap' && generationMode !== 'copy') {
      console.error(
        `--generation-mode must be perturbed, bootstrap or copy, got "${String(generationMode)}".`,
      );
      return 2;
    }
    let moto: RunningMoto | null = null;
    try {
      const port = integerOption(values.port as string | undefined, 'port');
      const trainingMs = integerOption(values['training-ms'] as string | undefined, 'training-ms');
      const generationMs = integerOption(values['generation-ms'] as string | undefined, 'generation-ms');
      const seed = integerOption(values.seed as string | undefined, 'seed');
      let enterprise: SimulatorOptions['enterprise'];
      if (mode === 'enterprise') {
        const kms = await enterpriseKms(values);
        moto = kms.moto;
        enterprise = kms.options;
      }
      const sim = await startSimulator({
        mode,
        nullStyle,
        generationMode,
        autoApprove: values['auto-approve'] === true,
        ...(port !== undefined ? { port } : {}),
        ...(typeof values.host === 'string' ? { host: values.host } : {}),
        ...(typeof values.faults === 'string' ? { faults: values.faults } : {}),
        ...(typeof values.persist === 'string' ? { persistDir: values.persist } : {}),
        ...(seed !== undefined ? { seed } : {}),
        timings: {
          ...(trainingMs !== undefined ? { trainingMs } : {}),
          ...(generationMs !== undefined ? { generationMs } : {}),
        },
        ...(enterprise ? { enterprise } : {}),
      });
      console.log(
        JSON.stringify({
          api_base: sim.apiBase,
          token_url: sim.tokenUrl,
          audience: sim.audience,
          client_id: sim.demoTenant.clientId,
          client_secret: sim.demoTenant.clientSecret,
          mode: sim.mode,
          ...(enterprise
            ? {
                storage_base: sim.storageBase,
                kms_endpoint: enterprise.kms.endpoint,
                kms_region: enterprise.kms.region,
                kms_key_id: enterprise.keyId,
              }
            : {}),
        }),
      );
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await sim.close();
      return 0;
    } catch (error) {
      console.error(`simulator: ${(error as Error).message}`);
      return 1;
    } finally {
      await moto?.stop();
    }
  },
};

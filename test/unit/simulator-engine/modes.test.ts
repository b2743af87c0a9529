import { beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../../simulator/engine/index.ts';
import type { Conditions, GeneratedColumns, TrainedModel } from '../../../simulator/engine/index.ts';
import { levelShares, numericValues, quickstartModel } from '../../support/simulator-engine-helpers.ts';

let model: TrainedModel;
beforeAll(async () => {
  model = (await quickstartModel()).model;
});

const premiumHeavy: Conditions = {
  categorical: { segment: { Premium: 0.55, Mainstream: 0.35, Value: 0.1 } },
  numeric: { 'purchase.intent': { min: 70, max: 100 } },
};

/** Each training row as text, for exact-match lookups. */
function trainingRows(m: TrainedModel): Set<string> {
  const rows = new Set<string>();
  for (let r = 0; r < m.rowCount; r++) {
    rows.add(
      m.columns.map((c) => (c.kind === 'numeric' ? String(c.values[r]) : String(c.codes[r]))).join('|'),
    );
  }
  return rows;
}

function generatedRows(out: GeneratedColumns): string[] {
  return Array.from({ length: out.rowCount }, (_, r) =>
    out.columns
      .map((c) => {
        if (c.kind === 'numeric') return String(Number.isNaN(c.values[r]!) ? null : c.values[r]);
        return String(c.codes[r]);
      })
      .join('|'),
  );
}

describe('generation modes', () => {
  it('copy returns seed rows verbatim; perturbed only chance collisions; bootstrap stays the default', () => {
    const seedRows = trainingRows(model);
    const copy = generate(model, { rowCount: 2000, seed: 3, mode: 'copy' });
    expect(generatedRows(copy.columns).every((row) => seedRows.has(row))).toBe(true);
    const perturbed = generate(model, { rowCount: 2000, seed: 3, mode: 'perturbed' });
    // Recombined rows may equal another seed row by chance, as fresh rows would; copies are gone.
    const collisions = generatedRows(perturbed.columns).filter((row) => seedRows.has(row)).length;
    expect(collisions).toBeLessThan(2000 * 0.01);
    const bootstrap = generate(model, { rowCount: 2000, seed: 3 });
    const explicit = generate(model, { rowCount: 2000, seed: 3, mode: 'bootstrap' });
    expect(generatedRows(bootstrap.columns)).toEqual(generatedRows(explicit.columns));
  });

  it('perturbed honours conditions, the observed ranges and determinism', () => {
    const a = generate(model, { rowCount: 3000, conditions: premiumHeavy, seed: 9, mode: 'perturbed' });
    const b = generate(model, { rowCount: 3000, conditions: premiumHeavy, seed: 9, mode: 'perturbed' });
    expect(generatedRows(a.columns)).toEqual(generatedRows(b.columns));
    const shares = levelShares(a.columns, 'segment');
    expect(shares['Premium']).toBeCloseTo(0.55, 2);
    expect(shares['Value']).toBeCloseTo(0.1, 2);
    for (const v of numericValues(a.columns, 'purchase.intent')) {
      if (!Number.isNaN(v)) expect(v >= 70 && v <= 100).toBe(true);
    }
    for (const column of model.columns) {
      if (column.kind !== 'numeric' || column.min === null || column.max === null) continue;
      for (const v of numericValues(a.columns, column.name)) {
        if (!Number.isNaN(v)) expect(v >= column.min && v <= column.max).toBe(true);
      }
    }
  });
});

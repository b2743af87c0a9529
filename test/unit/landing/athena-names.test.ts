import { describe, expect, it } from 'vitest';
import {
  athenaColumnNames,
  athenaName,
  isAthenaName,
  withAthenaNames,
} from '../../../src/landing/athena-names.ts';

describe('athenaName', () => {
  it("maps the vendor's make.names spellings onto [a-z0-9_]", () => {
    expect(athenaName('Body.Mass..g.')).toBe('body_mass_g');
    expect(athenaName('purchase.intent')).toBe('purchase_intent');
    expect(athenaName('Delta.15.N..o.oo.')).toBe('delta_15_n_o_oo');
    expect(athenaName('Culmen Length (mm)')).toBe('culmen_length_mm');
    expect(athenaName('Café.Crème')).toBe('cafe_creme');
  });

  it('handles leading digits, empty results and reserved words', () => {
    expect(athenaName('X1st.wave')).toBe('x1st_wave');
    expect(athenaName('1st')).toBe('c_1st');
    expect(athenaName('...')).toBe('col');
    expect(athenaName('日本')).toBe('col');
    expect(athenaName('Order')).toBe('order_');
    expect(athenaName('TRUE.')).toBe('true_');
    expect(athenaName('date')).toBe('date');
  });

  it('cuts names longer than 255 characters, keeping them distinct by a hash', () => {
    const a = athenaName(`${'a'.repeat(300)}1`);
    const b = athenaName(`${'a'.repeat(300)}2`);
    expect(a).toHaveLength(255);
    expect(a).not.toBe(b);
    expect(isAthenaName(a)).toBe(true);
  });
});

describe('athenaColumnNames', () => {
  it('never lets two columns (or a column and a partition key) share a name, deterministically', () => {
    const names = ['Sex', 'sex', 'a.b', 'a_b', 'a.b.2', 'dt', 'Scenario'];
    const mapped = athenaColumnNames(names, ['scenario', 'dt', 'generation']);
    expect(mapped).toEqual(['sex', 'sex_2', 'a_b', 'a_b_2', 'a_b_2_2', 'dt_2', 'scenario_2']);
    expect(new Set(mapped).size).toBe(names.length);
    expect(athenaColumnNames(names, ['scenario', 'dt', 'generation'])).toEqual(mapped);
    expect(mapped.every(isAthenaName)).toBe(true);
  });

  it('keeps names unique when suffixes meet the length limit', () => {
    const long = 'b'.repeat(260);
    const mapped = athenaColumnNames([long, long.toUpperCase()]);
    expect(mapped[0]).not.toBe(mapped[1]);
    expect(mapped.every((n) => n.length <= 255 && isAthenaName(n))).toBe(true);
  });
});

describe('withAthenaNames', () => {
  it('records the Athena name next to the vendor name, reserving the partition keys', () => {
    expect(
      withAthenaNames([
        { name: 'Body.Mass..g.', type: 'double' },
        { name: 'generation', type: 'string' },
      ]),
    ).toEqual([
      { name: 'Body.Mass..g.', type: 'double', athenaName: 'body_mass_g' },
      { name: 'generation', type: 'string', athenaName: 'generation_2' },
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { columnMatchKey, vendorColumnName } from '../../../src/conditions/column-names.ts';

describe('vendorColumnName', () => {
  it.each([
    ['purchase_intent', 'purchase.intent'],
    ['segment', 'segment'],
    ['Purchase Intent', 'Purchase.Intent'],
    ['net-score', 'net.score'],
    ['1st_wave', 'X1st.wave'],
    ['2024', 'X2024'],
    ['_id', 'X.id'],
    ['.5', 'X.5'],
    ['.hidden', '.hidden'],
    ['a b\tc', 'a.b.c'],
    ['spend ($)', 'spend....'],
    ['  age  ', 'age'],
    ['', 'X'],
    ['   ', 'X'],
    ['TRUE', 'TRUE.'],
    ['in', 'in.'],
    ['NA', 'NA.'],
    ['NA_integer_', 'NA.integer..'],
    ['..1', '..1.'],
    ['Größe', 'Größe'],
    ['âge', 'âge'],
    ['a.b', 'a.b'],
    ['x%', 'x.'],
  ])('%j -> %j', (input, expected) => {
    expect(vendorColumnName(input)).toBe(expected);
  });

  it('keeps the case (R make.names does)', () => {
    expect(vendorColumnName('Segment')).toBe('Segment');
  });

  it('is idempotent', () => {
    for (const name of [
      'purchase_intent',
      '1st wave',
      'TRUE',
      'NA_real_',
      '..2',
      '_x_',
      ' a-b ',
      'if',
      '.9z',
    ]) {
      const once = vendorColumnName(name);
      expect(vendorColumnName(once)).toBe(once);
    }
  });

  it('always produces a syntactically valid R name without underscores or spaces', () => {
    for (const name of ['-', '%%', '9', ' _ ', '.1a', 'a__b', 'ü-ö']) {
      const out = vendorColumnName(name);
      expect(out).toMatch(/^(?:\p{L}|\.(?!\p{Nd}))[\p{L}\p{Nd}.]*$/u);
    }
  });
});

describe('columnMatchKey', () => {
  it('matches names equal after cleaning and case folding', () => {
    expect(columnMatchKey('Purchase_Intent')).toBe(columnMatchKey('purchase.intent'));
    expect(columnMatchKey('purchase intent')).toBe(columnMatchKey('PURCHASE.INTENT'));
    expect(columnMatchKey('age')).not.toBe(columnMatchKey('ages'));
  });
});

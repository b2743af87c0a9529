/**
 * Finds where a JSON text stops being valid. `JSON.parse` reports a position for some errors
 * only, so a small scanner (RFC 8259 grammar, no value building) locates the first error and it
 * is reported as line and column.
 */

export interface JsonErrorLocation {
  /** 0-based character offset of the first invalid character (text length at unexpected end). */
  readonly offset: number;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;
  /** What the scanner expected there. */
  readonly expected: string;
}

class JsonScanError extends Error {
  constructor(
    readonly offset: number,
    readonly expected: string,
  ) {
    super(expected);
  }
}

/** Line and column (both 1-based) of `offset` in `text`. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** The location of the first syntax error in `text`, or `null` when it is valid JSON. */
export function locateJsonError(text: string): JsonErrorLocation | null {
  let i = 0;
  const fail = (expected: string): never => {
    throw new JsonScanError(i, expected);
  };
  const skipWs = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const literal = (word: string): void => {
    for (const char of word) {
      if (text[i] !== char) fail(`'${word}'`);
      i++;
    }
  };
  const string = (): void => {
    i++; // opening quote
    for (;;) {
      if (i >= text.length) fail("a closing '\"'");
      const char = text[i]!;
      if (char === '"') {
        i++;
        return;
      }
      if (char === '\\') {
        i++;
        const esc = text[i];
        if (esc === 'u') {
          i++;
          for (let k = 0; k < 4; k++, i++)
            if (!/[0-9a-fA-F]/.test(text[i] ?? '')) fail('4 hex digits after \\u');
          continue;
        }
        if (esc === undefined || !'"\\/bfnrt'.includes(esc))
          fail('a valid escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)');
        i++;
        continue;
      }
      if (char < ' ') fail('no raw control character inside a string (escape it, e.g. \\n)');
      i++;
    }
  };
  const number = (): void => {
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else if (/[1-9]/.test(text[i] ?? '')) while (/[0-9]/.test(text[i] ?? '')) i++;
    else fail('a digit');
    if (text[i] === '.') {
      i++;
      if (!/[0-9]/.test(text[i] ?? '')) fail('a digit after the decimal point');
      while (/[0-9]/.test(text[i] ?? '')) i++;
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      if (!/[0-9]/.test(text[i] ?? '')) fail('a digit in the exponent');
      while (/[0-9]/.test(text[i] ?? '')) i++;
    }
  };
  /** After an object member or array item: true at the closing `close`, false after a ',' (more follows). */
  const closesAfterItem = (close: '}' | ']'): boolean => {
    skipWs();
    if (text[i] === ',') {
      i++;
      return false;
    }
    if (text[i] === close) {
      i++;
      return true;
    }
    return fail(`',' or '${close}'`);
  };
  const value = (): void => {
    skipWs();
    const char = text[i];
    if (char === '{') {
      i++;
      skipWs();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        skipWs();
        if (text[i] !== '"') fail('a double-quoted property name');
        string();
        skipWs();
        if (text[i] !== ':') fail("':' after the property name");
        i++;
        value();
        if (closesAfterItem('}')) return;
      }
    }
    if (char === '[') {
      i++;
      skipWs();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        if (closesAfterItem(']')) return;
      }
    }
    if (char === '"') return string();
    if (char === 't') return literal('true');
    if (char === 'f') return literal('false');
    if (char === 'n') return literal('null');
    if (char === '-' || /[0-9]/.test(char ?? '')) return number();
    fail('a JSON value (object, array, string, number, true, false or null)');
  };
  try {
    if (text.charCodeAt(0) === 0xfeff) i = 1;
    value();
    skipWs();
    if (i < text.length) fail('the end of the document');
    return null;
  } catch (err) {
    if (!(err instanceof JsonScanError)) throw err;
    const { line, column } = lineAndColumn(text, err.offset);
    return { offset: err.offset, line, column, expected: err.expected };
  }
}

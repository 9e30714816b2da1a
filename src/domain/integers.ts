// The SPEC's notion of an integer field: a JSON number with no fractional part, or a string of
// ASCII digits (Huawei's Java back end coerces those). Anything else is not an integer.

export interface IntegerRange {
  min: number;
  max: number;
}

/** Returns the integer, or undefined when the value is not an integer within range. */
export function readInteger(value: unknown, range: IntegerRange): number | undefined {
  let n: number;
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return undefined;
    n = value === 0 ? 0 : value; // folds -0
  } else if (typeof value === 'string') {
    if (value.length === 0 || value.length > 16 || !isAsciiDigits(value)) return undefined;
    n = Number(value);
  } else {
    return undefined;
  }
  return n >= range.min && n <= range.max ? n : undefined;
}

function isAsciiDigits(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

export function describeRange(name: string, range: IntegerRange): string {
  return `${name} must be an integer from ${range.min} to ${range.max}`;
}

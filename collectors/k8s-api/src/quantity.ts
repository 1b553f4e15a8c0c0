// Kubernetes resource quantities ("500m", "2Gi", "1e3", "1.5", "100Ki"), parsed exactly: the value is
// digits x 2^(10k) x 10^e held as a bigint and an exponent of ten, never a float on the way.

/** value = coefficient x 10^exponent, exactly. */
export interface Quantity {
  coefficient: bigint;
  exponent: number;
}

const BINARY: Record<string, bigint> = {
  Ki: 1n << 10n,
  Mi: 1n << 20n,
  Gi: 1n << 30n,
  Ti: 1n << 40n,
  Pi: 1n << 50n,
  Ei: 1n << 60n,
};
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

// The API's grammar: sign, digits with an optional fraction, then a binary or decimal suffix or an
// exponent. Exponents are bounded: no real quantity needs more, and 1e999999999 must not cost a
// billion-digit bigint.
const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d{1,3})?$/;
const MAX_DIGITS = 40;

/** The exact value of a quantity string, or undefined when it is not one. */
export function parseQuantity(text: unknown): Quantity | undefined {
  if (typeof text !== "string") return undefined;
  const match = QUANTITY.exec(text);
  if (!match) return undefined;
  const [, sign, number, suffix = ""] = match as unknown as [string, string, string, string | undefined];
  const [whole = "", fraction = ""] = number.split(".");
  const digits = `${whole}${fraction}`.replace(/^0+(?=\d)/, "");
  if (digits.length > MAX_DIGITS) return undefined;
  let coefficient = BigInt(digits === "" ? "0" : digits);
  let exponent = -fraction.length;
  if (suffix in BINARY) coefficient *= BINARY[suffix]!;
  else if (suffix in DECIMAL) exponent += DECIMAL[suffix]!;
  else exponent += Number(suffix.slice(1));
  if (sign === "-") coefficient = -coefficient;
  return { coefficient, exponent };
}

/** The value rounded up to a whole number, as the API's Value() does (bytes, pods). */
export function quantityToInteger(quantity: Quantity): bigint {
  return scaledUp(quantity, 0);
}

/** The value in thousandths, rounded up, as the API's MilliValue() does (CPU in millicores). */
export function quantityToMilli(quantity: Quantity): bigint {
  return scaledUp(quantity, 3);
}

function scaledUp({ coefficient, exponent }: Quantity, decimals: number): bigint {
  const shift = exponent + decimals;
  if (shift >= 0) return coefficient * 10n ** BigInt(shift);
  const divisor = 10n ** BigInt(-shift);
  const quotient = coefficient / divisor;
  // bigint division truncates toward zero; round toward +infinity like the API.
  return coefficient > 0n && quotient * divisor !== coefficient ? quotient + 1n : quotient;
}

/** A quantity as a whole number (rounded up), or undefined when it is not a quantity or too large. */
export function integerQuantity(text: unknown): bigint | undefined {
  const quantity = parseQuantity(text);
  return quantity === undefined ? undefined : quantityToInteger(quantity);
}

/** A CPU quantity in cores, exact to the millicore (the API's resolution), or undefined. */
export function cpuCores(text: unknown): number | undefined {
  const quantity = parseQuantity(text);
  return quantity === undefined ? undefined : Number(quantityToMilli(quantity)) / 1000;
}

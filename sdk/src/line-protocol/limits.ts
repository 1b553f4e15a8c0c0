// Limits shared by the line-protocol parser and splitter.

/** Longest line accepted, in UTF-8 bytes. Telegraf's default metric is far below it. */
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;

/**
 * InfluxDB's limit on a series key: measurement and tags as written, plus 4, plus the field key.
 * Longer keys are refused with "max key length exceeded".
 */
export const MAX_SERIES_KEY_BYTES = 65_535;

// Digits of the bounds, compared as text so validating a number never allocates.
export const INT64_MAX_DIGITS = "9223372036854775807";
export const INT64_MIN_DIGITS = "9223372036854775808"; // without the sign
export const UINT64_MAX_DIGITS = "18446744073709551615";

/**
 * InfluxDB keeps math.MinInt64, MinInt64+1 and MaxInt64 as sentinels and refuses points at those
 * times ("time outside range"), so a timestamp must lie in [-(2^63 - 2), 2^63 - 2].
 */
export const TIME_LIMIT_DIGITS = "9223372036854775806";
export const MIN_TIMESTAMP = -(2n ** 63n) + 2n;
export const MAX_TIMESTAMP = 2n ** 63n - 2n;

/** Small readers for resource properties as policies receive them (plain JSON, secrets unwrapped). */

/** A non-empty string, or undefined. */
export function text(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}

/** A list of strings (non-strings dropped); a single string becomes a one-element list. */
export function texts(value: unknown): string[] {
  if (typeof value === "string") return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** A positive integer; Vault reads 0 or absent TTLs as "use the mount or system default". */
export function seconds(value: unknown): number | undefined {
  const n = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
  return typeof n === "number" && Number.isFinite(n) && n > 0 ? n : undefined;
}

/**
 * The violation for a TTL that is set but is not a number of seconds (`"1h"`, `-5`), naming the
 * value; undefined when it is seconds or unset (absent, empty or 0, Vault's "use the default"),
 * which the caller judges. Keeps `"1h"` from being reported as unset, or skipped.
 */
export function ttlNotSeconds(
  subject: string,
  field: string,
  value: unknown,
  wanted: string,
): string | undefined {
  if (value === undefined || value === null || value === "" || value === 0 || value === "0") return undefined;
  if (seconds(value) !== undefined) return undefined;
  return `${subject} sets ${field} to ${JSON.stringify(value)}, which is not a number of seconds: set it to ${wanted}`;
}

/** A JSON object given either as an object or as JSON text; undefined when it is neither. */
export function jsonObject(value: unknown): Record<string, unknown> | undefined {
  let parsed: unknown = value;
  if (typeof value === "string") {
    try {
      parsed = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)
    ? (parsed as Record<string, unknown>)
    : undefined;
}

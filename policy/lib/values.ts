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
 * How a TTL that is set but is not a number of seconds prints (`"1h"`, `-5`), for a message;
 * undefined when the value is seconds or unset (absent, empty or 0, Vault's "use the default").
 * Lets a policy say "give seconds" instead of treating `"1h"` as unset, or skipping it.
 */
export function notSeconds(value: unknown): string | undefined {
  if (value === undefined || value === null || value === "" || value === 0 || value === "0") return undefined;
  return seconds(value) === undefined ? JSON.stringify(value) : undefined;
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

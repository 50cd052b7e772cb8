/**
 * What every HCP Terraform dynamic provider shares: reading credentials at call time, the
 * preview "unknown" sentinel, and a field-by-field diff that never reports a perpetual change.
 * Plain functions only (serialized by value into each provider).
 */
import type * as pulumi from "@pulumi/pulumi";
import { isApiError, type ApiResource } from "./client";
import { resolveConnection, settingsFromConfig, type TfcConnection, type TfcSettings } from "./credentials";

/** What `read` answers for an object that is gone: the engine then drops it from state. */
export function gone<T>(): { id: string; props: T } {
  return { id: "", props: {} as T };
}

/** What a value that is not known yet looks like inside a dynamic provider during preview (#6310). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/**
 * A dynamic provider that remembers the stack's `tfc:*` config once the host has called
 * `configure()`. The settings live only on the deserialized copy inside the provider process;
 * the copy Pulumi serializes into `__provider` never has them.
 */
export interface TfcProvider<I, O> extends pulumi.dynamic.ResourceProvider<I, O> {
  settings?: TfcSettings;
}

/** Shared `configure()`: keep only the two keys we need from the stack config. */
export function configureSettings(req: pulumi.dynamic.ConfigureRequest): TfcSettings {
  return settingsFromConfig(req.config);
}

/** The connection for this call: stack config first, then TFE_HOSTNAME / TFE_TOKEN. */
export function connectionFor(settings: TfcSettings | undefined): TfcConnection {
  return resolveConnection(settings, process.env);
}

/** Whether a value is, or contains, the preview unknown sentinel. */
export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value !== null && typeof value === "object") return Object.values(value).some(containsUnknown);
  return false;
}

/** Structural equality for the JSON-like values stored in state. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((v, i) => sameValue(v, b[i]));
  if (a && b && typeof a === "object" && typeof b === "object" && !Array.isArray(a) && !Array.isArray(b)) {
    const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
    const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
    return (
      ka.length === kb.length &&
      ka.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
    );
  }
  return false;
}

export interface FieldRules {
  /** Changing one of these creates a new object (the API cannot change it in place). */
  readonly replaceOn: readonly string[];
  /** Changed in place with PATCH. */
  readonly updateOn: readonly string[];
}

/**
 * Compares new inputs with the stored outputs field by field. A field the program leaves out is
 * not managed (its live value is whatever HCP Terraform keeps), so it never shows as a change; an
 * unknown value during preview always counts as a change, since it may differ once known.
 */
export function diffFields(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  rules: FieldRules,
): { changes: boolean; replaces: string[] } {
  const changed = (field: string): boolean => {
    const next = news[field];
    if (next === undefined) return false;
    // A value holding the sentinel never equals stored state, so unknowns always count as changes.
    return !sameValue(olds[field], next);
  };
  const replaces = rules.replaceOn.filter(changed);
  const changes = replaces.length > 0 || rules.updateOn.some(changed);
  return { changes, replaces };
}

/** A JSON value as text for state: strings as they are, numbers/booleans printed, anything else "". */
export function text(value: unknown, fallback = ""): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return fallback;
}

/** Drops undefined entries so that state and request bodies only carry managed fields. */
export function compact<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** The sentence appended when a create collides with an object that already exists. */
export function importHint(type: string, existingId: string | undefined): string {
  const id = existingId ?? "<id>";
  return (
    `. It already exists${existingId ? ` as ${existingId}` : ""}: to manage it with Pulumi, adopt it with the ` +
    `resource option { import: "${id}" } (pulumi import ${type} <name> ${id}), or choose another name`
  );
}

/**
 * The workspace's agent pool: the API returns it only as `relationships["agent-pool"].data.id`,
 * never as an attribute (docs/upstream-behaviour.md "HCP Terraform API"; go-tfe PR #815).
 */
export function poolOf(data: ApiResource): string | undefined {
  const id = (data.relationships?.["agent-pool"]?.data as { id?: unknown } | null | undefined)?.id;
  return typeof id === "string" && id !== "" ? id : undefined;
}

/**
 * Whether HCP Terraform refused agent mode because the pool does not allow the workspace: a 422
 * with the API's own text (docs/upstream-behaviour.md "HCP Terraform API"). Matched on status and
 * text, because the error's `source.pointer` is not documented.
 */
export function isPoolNotAllowed(err: unknown): boolean {
  return isApiError(err, 422) && /does not have access to use this agent pool/i.test(err.message);
}

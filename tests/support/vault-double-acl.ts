/**
 * Vault ACL evaluation for the Vault double, following vault/acl.go (NewACL, AllowOperation,
 * CheckAllowedFromNonExactPaths): rules of all policies merged per path (deny wins, capabilities
 * unioned, parameter constraints merged); an exact rule beats wildcard rules; among `*` prefixes
 * and `+` segment wildcards the most specific wins; then `required_parameters`,
 * `denied_parameters` and `allowed_parameters` are checked against the request data, with
 * Vault's value globs (`*` at the start and/or end) and comma-list handling.
 * See docs/upstream-behaviour.md#vault-tokens-and-leases.
 */
import { isDeepStrictEqual } from "node:util";

export type Capability = "create" | "read" | "update" | "patch" | "delete" | "list" | "sudo" | "deny";

export interface PolicyRule {
  readonly path: string;
  readonly capabilities: readonly Capability[];
  /** Parameter name (lower case) -> allowed values; `[]` = any value; key `*` = any parameter. */
  readonly allowedParameters?: Readonly<Record<string, readonly unknown[]>>;
  /** Parameter name (lower case) -> denied values; `[]` = every value; key `*` = every parameter. */
  readonly deniedParameters?: Readonly<Record<string, readonly unknown[]>>;
  readonly requiredParameters?: readonly string[];
}

export { parsePolicyHcl } from "./vault-double-policy-hcl";

/** Vault's built-in `default` policy, the parts a run token could use (vault/policy_store.go). */
export const DEFAULT_POLICY: readonly PolicyRule[] = [
  { path: "auth/token/lookup-self", capabilities: ["read"] },
  { path: "auth/token/renew-self", capabilities: ["update"] },
  { path: "auth/token/revoke-self", capabilities: ["update"] },
  { path: "sys/capabilities-self", capabilities: ["update"] },
  { path: "sys/leases/renew", capabilities: ["update"] },
  { path: "sys/leases/lookup", capabilities: ["update"] },
];

interface Permissions {
  caps: Set<Capability>;
  allowed?: Record<string, unknown[]>;
  denied?: Record<string, unknown[]>;
  required: string[];
}

function mergeParameters(
  existing: Record<string, unknown[]> | undefined,
  added: Readonly<Record<string, readonly unknown[]>> | undefined,
): Record<string, unknown[]> | undefined {
  if (!added || Object.keys(added).length === 0) return existing;
  if (!existing) return Object.fromEntries(Object.entries(added).map(([k, v]) => [k, [...v]]));
  for (const [k, v] of Object.entries(added)) {
    const had = existing[k];
    // An empty list (any value) overrides any other value list.
    existing[k] = v.length === 0 || (had !== undefined && had.length === 0) ? [] : [...v, ...(had ?? [])];
  }
  return existing;
}

/** Merges every policy's rules per path pattern, as NewACL does. */
function compile(policies: readonly (readonly PolicyRule[])[]): Map<string, Permissions> {
  const rules = new Map<string, Permissions>();
  for (const rule of policies.flat()) {
    const existing = rules.get(rule.path);
    if (!existing) {
      rules.set(rule.path, {
        caps: new Set(rule.capabilities),
        allowed: mergeParameters(undefined, rule.allowedParameters),
        denied: mergeParameters(undefined, rule.deniedParameters),
        required: [...(rule.requiredParameters ?? [])],
      });
      continue;
    }
    if (existing.caps.has("deny")) continue;
    if (rule.capabilities.includes("deny")) {
      rules.set(rule.path, { caps: new Set(["deny"]), required: [] });
      continue;
    }
    for (const c of rule.capabilities) existing.caps.add(c);
    existing.allowed = mergeParameters(existing.allowed, rule.allowedParameters);
    existing.denied = mergeParameters(existing.denied, rule.deniedParameters);
    for (const r of rule.requiredParameters ?? [])
      if (!existing.required.includes(r)) existing.required.push(r);
  }
  return rules;
}

interface Candidate {
  firstWildcard: number;
  isPrefix: boolean;
  wildcards: number;
  pattern: string;
  perms: Permissions;
}

/** True when a has lower priority than b (CheckAllowedFromNonExactPaths' `less`). */
function lessThan(a: Candidate, b: Candidate): boolean {
  if (a.firstWildcard !== b.firstWildcard) return a.firstWildcard < b.firstWildcard;
  if (a.isPrefix !== b.isPrefix) return a.isPrefix;
  if (a.wildcards !== b.wildcards) return a.wildcards > b.wildcards;
  if (a.pattern.length !== b.pattern.length) return a.pattern.length < b.pattern.length;
  return a.pattern < b.pattern;
}

function nonExactMatch(rules: Map<string, Permissions>, path: string): Permissions | undefined {
  const candidates: Candidate[] = [];
  // The longest plain prefix rule (`a/b*`, no `+`).
  let longest: { prefix: string; perms: Permissions } | undefined;
  for (const [pattern, perms] of rules) {
    if (!pattern.endsWith("*") || pattern.includes("+")) continue;
    const prefix = pattern.slice(0, -1);
    if (path.startsWith(prefix) && (!longest || prefix.length > longest.prefix.length)) {
      longest = { prefix, perms };
    }
  }
  if (longest) {
    candidates.push({
      firstWildcard: longest.prefix.length,
      isPrefix: true,
      wildcards: 0,
      pattern: longest.prefix,
      perms: longest.perms,
    });
  }
  const parts = path.split("/");
  for (const [pattern, perms] of rules) {
    if (!pattern.includes("+")) continue;
    const isPrefix = pattern.endsWith("*");
    const body = isPrefix ? pattern.slice(0, -1) : pattern;
    const segments = body.split("/");
    if (parts.length < segments.length) continue;
    if (!isPrefix && segments.length !== parts.length) continue;
    let wildcards = 0;
    const ok = segments.every((seg, i) => {
      const part = parts[i];
      if (seg === "+") {
        wildcards++;
        return true;
      }
      if (seg === part) return true;
      return isPrefix && i === segments.length - 1 && part.startsWith(seg);
    });
    if (ok)
      candidates.push({ firstWildcard: pattern.indexOf("+"), isPrefix, wildcards, pattern: body, perms });
  }
  if (candidates.length === 0) return undefined;
  candidates.sort((a, b) => (lessThan(a, b) ? -1 : lessThan(b, a) ? 1 : 0));
  return candidates[candidates.length - 1].perms;
}

/** strutil.GlobbedStringsMatch: `*` only at the start and/or the end of the pattern. */
export function globbedStringsMatch(item: string, value: string): boolean {
  if (item.length < 2) return value === item;
  const start = item.startsWith("*");
  const end = item.endsWith("*");
  if (start && end) return value.includes(item.slice(1, -1));
  if (start) return value.endsWith(item.slice(1));
  if (end) return value.startsWith(item.slice(0, -1));
  return value === item;
}

function inList(value: unknown, list: readonly unknown[]): boolean {
  return list.some((el) =>
    el === null || value === null || el === undefined || value === undefined
      ? el === value
      : typeof el === "string"
        ? typeof value === "string" && globbedStringsMatch(el, value)
        : isDeepStrictEqual(el, value),
  );
}

/** parseutil.ParseCommaStringSlice on a string: split on commas, trim. */
function commaList(value: string): string[] {
  return value === "" ? [] : value.split(",").map((s) => s.trim());
}

function allowedValue(value: unknown, list: readonly unknown[]): boolean {
  if (list.length === 0 || inList(value, list)) return true;
  if (Array.isArray(value)) return value.every((v) => inList(v, list));
  if (typeof value === "string") return commaList(value).every((v) => inList(v, list));
  return false;
}

function deniedValue(value: unknown, list: readonly unknown[]): boolean {
  if (list.length === 0 || inList(value, list)) return true;
  if (Array.isArray(value)) return value.some((v) => inList(v, list));
  if (typeof value === "string") return commaList(value).some((v) => inList(v, list));
  return false;
}

function parametersAllowed(perms: Permissions, data: Readonly<Record<string, unknown>>): boolean {
  for (const p of perms.required) if (!(p in data)) return false;
  const entries = Object.entries(data);
  if (entries.length === 0) return true;
  const denied = perms.denied;
  if (denied && Object.keys(denied).length > 0) {
    if ("*" in denied) return false;
    for (const [k, v] of entries) {
      const list = denied[k.toLowerCase()];
      if (list !== undefined && deniedValue(v, list)) return false;
    }
  }
  const allowed = perms.allowed;
  if (!allowed || Object.keys(allowed).length === 0) return true;
  const allowedAll = "*" in allowed;
  if (allowedAll && Object.keys(allowed).length === 1) return true;
  for (const [k, v] of entries) {
    const list = allowed[k.toLowerCase()];
    if (list === undefined && !allowedAll) return false;
    if (list !== undefined && !allowedValue(v, list)) return false;
  }
  return true;
}

/**
 * Whether the union of `policies` allows the operation on `path` (no leading slash, no /v1/):
 * one of `capabilities` is granted on the matching rule and `data` (the request's parameters:
 * JSON body for writes, query for reads) passes its parameter constraints.
 */
export function aclAllows(
  policies: readonly (readonly PolicyRule[])[],
  path: string,
  capabilities: readonly Capability[],
  data: Readonly<Record<string, unknown>> = {},
): boolean {
  const rules = compile(policies);
  const perms = rules.get(path) ?? nonExactMatch(rules, path);
  if (!perms || perms.caps.has("deny")) return false;
  if (!capabilities.some((c) => perms.caps.has(c))) return false;
  // AllowOperation checks parameters for read, create, update and patch (all the double serves).
  return parametersAllowed(perms, data);
}

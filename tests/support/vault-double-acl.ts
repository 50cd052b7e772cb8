/**
 * Vault ACL evaluation for the Vault double: policies as path rules, the built-in `default`
 * policy, and the "most specific path wins, capabilities of that path are unioned, deny wins"
 * rule of Vault's ACL (docs/concepts/policies). Also reads the small HCL subset our policies use.
 */

export type Capability = "create" | "read" | "update" | "patch" | "delete" | "list" | "sudo" | "deny";

export interface PolicyRule {
  readonly path: string;
  readonly capabilities: readonly Capability[];
}

/** What Vault's built-in `default` policy grants that the hooks rely on (FACTS.md). */
export const DEFAULT_POLICY: readonly PolicyRule[] = [
  { path: "auth/token/lookup-self", capabilities: ["read"] },
  { path: "auth/token/renew-self", capabilities: ["update"] },
  { path: "auth/token/revoke-self", capabilities: ["update"] },
  { path: "sys/capabilities-self", capabilities: ["update"] },
  { path: "sys/leases/renew", capabilities: ["update"] },
  { path: "sys/leases/lookup", capabilities: ["update"] },
];

/** `path "<p>" { capabilities = [...] }` blocks; anything else in the HCL is ignored. */
export function parsePolicyHcl(hcl: string): PolicyRule[] {
  const rules: PolicyRule[] = [];
  const block = /path\s+"([^"]+)"\s*\{([^}]*)\}/g;
  for (let m = block.exec(hcl); m; m = block.exec(hcl)) {
    const caps = /capabilities\s*=\s*\[([^\]]*)\]/.exec(m[2] ?? "");
    const list = [...(caps?.[1] ?? "").matchAll(/"([^"]+)"/g)].map((c) => c[1] as Capability);
    rules.push({ path: m[1] ?? "", capabilities: list });
  }
  return rules;
}

function matches(pattern: string, path: string): boolean {
  const glob = pattern.endsWith("*");
  const body = glob ? pattern.slice(0, -1) : pattern;
  const re = body
    .split("+")
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join("[^/]+");
  return new RegExp(`^${re}${glob ? ".*" : ""}$`).test(path);
}

/** Higher is more specific: exact paths beat globs; then the longer literal prefix, fewer `+`. */
function specificity(pattern: string): number {
  const exact = !pattern.includes("*") && !pattern.includes("+");
  const firstWildcard = pattern.search(/[*+]/);
  const prefix = firstWildcard < 0 ? pattern.length : firstWildcard;
  const plus = (pattern.match(/\+/g) ?? []).length;
  return (exact ? 1e6 : 0) + prefix * 100 - plus;
}

/** Whether the union of `policies` grants `capability` on `path` (no leading slash, no /v1/). */
export function aclAllows(
  policies: readonly (readonly PolicyRule[])[],
  path: string,
  capabilities: readonly Capability[],
): boolean {
  const candidates = policies.flat().filter((r) => matches(r.path, path));
  if (candidates.length === 0) return false;
  const best = Math.max(...candidates.map((r) => specificity(r.path)));
  const granted = new Set(
    candidates.filter((r) => specificity(r.path) === best).flatMap((r) => r.capabilities),
  );
  if (granted.has("deny")) return false;
  return capabilities.some((c) => granted.has(c));
}

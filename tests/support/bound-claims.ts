/**
 * Vault JWT auth's role binding checks, as vault-plugin-auth-jwt applies them after the
 * signature, issuer and time checks: audience, subject, then bound_claims (string or glob).
 *
 * Shared by the trust-matrix tests (what our roles accept) and the Vault double (what a login
 * gets), so the two can never disagree about what a binding means.
 */

/** The binding fields of a Vault JWT role (`auth/<mount>/role/<name>`), as sent to Vault. */
export interface RoleBindings {
  readonly bound_audiences?: readonly string[];
  readonly bound_subject?: string;
  readonly bound_claims?: Readonly<Record<string, string | readonly string[]>>;
  readonly bound_claims_type?: "string" | "glob";
}

export type Claims = Readonly<Record<string, unknown>>;

/** `*` matches any run of characters, `:` included (ryanuber/go-glob; there is no escape). */
export function globMatch(pattern: string, value: string): boolean {
  if (pattern === "*") return true;
  const parts = pattern.split("*");
  if (parts.length === 1) return pattern === value;
  const first = parts[0] ?? "";
  const last = parts[parts.length - 1] ?? "";
  if (!value.startsWith(first)) return false;
  let rest = value.slice(first.length);
  for (const middle of parts.slice(1, -1)) {
    const at = rest.indexOf(middle);
    if (at < 0) return false;
    rest = rest.slice(at + middle.length);
  }
  return rest.endsWith(last);
}

/** A claim by plain name or JSON pointer (`/a/b`), as Vault resolves bound claim keys. */
function claimAt(claims: Claims, key: string): unknown {
  if (!key.startsWith("/")) return claims[key];
  let node: unknown = claims;
  for (const raw of key.slice(1).split("/")) {
    const name = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[name];
  }
  return node;
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

/**
 * Returns null when the role accepts the claims, else Vault's error text for the first failed
 * check (the message a login would get in its 400 response).
 */
export function bindingError(role: RoleBindings, claims: Claims): string | null {
  if (role.bound_audiences && role.bound_audiences.length > 0) {
    const aud = asList(claims.aud).filter((a): a is string => typeof a === "string");
    if (!aud.some((a) => role.bound_audiences!.includes(a))) {
      return "error validating claims: invalid audience (aud) claim: audience claim does not match any expected audience";
    }
  }
  if (role.bound_subject && claims.sub !== role.bound_subject) {
    return "sub claim does not match bound subject";
  }
  const glob = role.bound_claims_type === "glob";
  for (const [key, expected] of Object.entries(role.bound_claims ?? {})) {
    const actual = claimAt(claims, key);
    if (actual === undefined || actual === null) return `claim "${key}" is missing`;
    const actualValues = asList(actual).map((v) => String(v));
    const expectedValues = asList(expected).map((v) => String(v));
    const ok = expectedValues.some((exp) =>
      actualValues.some((act) => (glob ? globMatch(exp, act) : exp === act)),
    );
    if (!ok) return `claim "${key}" does not match any associated bound claim values`;
  }
  return null;
}

/**
 * Vault JWT auth's role binding checks with Vault's texts: subject and audience (hashicorp/cap
 * jwt.Validator, wrapped by vault-plugin-auth-jwt as "error validating token: ..."), then
 * bound_claims, string or glob (the plugin's validateBoundClaims, "error validating claims: ...").
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

/** cap/jwt's audience check text (without the "error validating token: " prefix), or null. */
export function audienceError(role: RoleBindings, claims: Claims): string | null {
  if (!role.bound_audiences || role.bound_audiences.length === 0) return null;
  const aud = asList(claims.aud).filter((a): a is string => typeof a === "string");
  return aud.some((a) => role.bound_audiences!.includes(a))
    ? null
    : "invalid audience (aud) claim: audience claim does not match any expected audience";
}

/** cap/jwt's `bound_subject` check text (without the prefix), or null. */
export function subjectError(role: RoleBindings, claims: Claims): string | null {
  return role.bound_subject && claims.sub !== role.bound_subject ? "invalid subject (sub) claim" : null;
}

/** vault-plugin-auth-jwt validateBoundClaims' text (without "error validating claims: "), or null. */
export function boundClaimsError(role: RoleBindings, claims: Claims): string | null {
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

/**
 * Returns null when the role's bindings accept the (signed, unexpired) claims, else the text of
 * the first failed check as a login's 400 carries it, in vault-plugin-auth-jwt's order
 * (path_login.go pathLogin): cap/jwt's subject then audience checks ("error validating token:
 * ..."), the no-bound-audience check, then bound_claims ("error validating claims: ...").
 * The user_claim check, which Vault runs just before bound_claims, is the double's (it is not a
 * binding). See docs/upstream-behaviour.md#vault-jwt-auth.
 */
export function bindingError(role: RoleBindings, claims: Claims): string | null {
  const token = subjectError(role, claims) ?? audienceError(role, claims);
  if (token) return `error validating token: ${token}`;
  const unbound = unboundAudienceError(role, claims);
  if (unbound) return unbound;
  const bound = boundClaimsError(role, claims);
  return bound ? `error validating claims: ${bound}` : null;
}

/** A role without bound audiences refuses a token that names any (path_login.go). */
export function unboundAudienceError(role: RoleBindings, claims: Claims): string | null {
  if (role.bound_audiences && role.bound_audiences.length > 0) return null;
  const aud = claims.aud;
  const present = Array.isArray(aud) ? aud.length > 0 : typeof aud === "string" && aud !== "";
  return present ? "audience claim found in JWT but no audiences bound to the role" : null;
}

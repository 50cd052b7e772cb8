/**
 * A run's Vault policy reaches its own phase's credentials and nothing else. Allowed: literal
 * credentials paths (`<mount>/creds/<role>`, `<mount>/sts/<role>`); one glob form, the
 * lease-revocation prefix of one role's leases, `sys/leases/revoke/<mount>/<creds|sts>/<role>/*`,
 * and only with `denied_parameters = { "lease_id" = [] }` (Vault's revoke handler takes a body
 * `lease_id` before the URL's while the ACL checks only the URL, so without the denial the grant
 * revokes any lease); `sys/leases/lookup` (lease metadata only; Vault's own `default` policy grants
 * it); `sys/leases/renew` only with `allowed_parameters` limiting `lease_id` to role lease prefixes
 * (`<mount>/<creds|sts>/<role>/*`: the hooks' keeper renews its own lease; unconstrained, a token
 * could keep any lease in the namespace alive); and the token's own
 * `auth/token/{revoke,lookup,renew}-self`. Refused: any other literal path
 * (`aws/roles/<role>` lets a run rewrite its own AWS permissions, `aws/config/root` the engine's
 * keys, `auth/<mount>/role/<role>` its own JWT binding), any other glob (`aws/*`, `aws/creds/*`,
 * `sys/leases/revoke/*`), any other `sys/` path (bare `sys/leases/revoke` takes the lease id in the
 * body), capabilities beyond reading credentials and revoking (`sudo`, `root`, `delete`, `list`,
 * `patch`), and policy text this pack cannot read.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES } from "../lib/resource-types";
import { text } from "../lib/values";
import { type PathGrant, pathGrants } from "../lib/vault-policy-paths";

const SCOPED_REVOKE = /^sys\/leases\/revoke\/[A-Za-z0-9_.@/-]+\/(creds|sts)\/[A-Za-z0-9_.@-]+\/\*$/;
const CREDENTIALS = /^[A-Za-z0-9_.@/-]+\/(creds|sts)\/[A-Za-z0-9_.@-]+$/;
const HARMLESS_LITERALS = [
  "sys/leases/lookup",
  "auth/token/revoke-self",
  "auth/token/lookup-self",
  "auth/token/renew-self",
];
const GLOB = /[*+]/;
// read (GET creds), create/update (POST creds, PUT revoke), deny (harmless): nothing else.
const ALLOWED_CAPABILITIES = ["read", "create", "update", "deny"];

/** Whether a grant forbids sending `lease_id` at all (any value), as Vault's ACL would enforce. */
function deniesLeaseIdParameter(grant: PathGrant): boolean {
  const denied = grant.deniedParameters ?? {};
  return denied.lease_id?.length === 0 || denied["*"] !== undefined;
}

const ROLE_LEASES = /^[A-Za-z0-9_.@/-]+\/(creds|sts)\/[A-Za-z0-9_.@-]+\/\*$/;

/** Whether a renew grant names the leases it may renew, each a role's own prefix. */
function renewsRoleLeasesOnly(grant: PathGrant): boolean {
  const leases = grant.allowedParameters?.lease_id;
  return (
    Array.isArray(leases) &&
    leases.length > 0 &&
    leases.every((l) => typeof l === "string" && ROLE_LEASES.test(l)) &&
    grant.allowedParameters?.["*"] === undefined
  );
}

/** Why a grant is refused, or undefined when it is allowed. */
export function grantProblem(grant: PathGrant): string | undefined {
  const path = grant.path;
  if (path === "sys/leases/renew") {
    return renewsRoleLeasesOnly(grant)
      ? undefined
      : 'renews any lease in the namespace: add allowed_parameters = { "lease_id" = ["<mount>/creds/<role>/*"], "increment" = [] }';
  }
  if (SCOPED_REVOKE.test(path)) {
    return deniesLeaseIdParameter(grant)
      ? undefined
      : 'revokes any lease named in the request body (Vault reads lease_id from the body before the path): add denied_parameters = { "lease_id" = [] }';
  }
  if (HARMLESS_LITERALS.includes(path)) return undefined;
  return pathProblem(path);
}

/** Why a path is refused whatever its parameters, or undefined when it may be allowed. */
export function pathProblem(path: string): string | undefined {
  if (SCOPED_REVOKE.test(path) || HARMLESS_LITERALS.includes(path)) return undefined;
  if (path.startsWith("sys/") || path === "sys") {
    return path.startsWith("sys/leases/revoke")
      ? "revokes leases beyond one role's own (scope it as sys/leases/revoke/<mount>/creds/<role>/*)"
      : "reaches sys/, Vault's system backend";
  }
  if (GLOB.test(path)) return "is a glob (name the phase's own credentials path literally)";
  if (!CREDENTIALS.test(path)) {
    return "is not a credentials path: a run needs only <mount>/creds/<role> or <mount>/sts/<role> (and its own revoke prefix)";
  }
  return undefined;
}

export const vaultPolicyScopedPaths: ResourceValidationPolicy = {
  name: "vault-policy-scoped-paths",
  description:
    "Vault policies grant literal credentials paths only, apart from the role-scoped lease-revocation prefix (with lease_id denied as a parameter), lease lookup, lease renewal scoped to role lease prefixes and the token's own paths; no other paths, sys/ or mount globs.",
  enforcementLevel: "mandatory",
  severity: "critical",
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.vaultPolicy) return;
    const policy = `Vault policy ${args.name}`;
    const grants = pathGrants(text(args.props.policy) ?? "");
    if (grants === undefined || grants.length === 0) {
      reportViolation(
        `${policy} cannot be read as path stanzas (HCL path "..." { capabilities = [...] } or JSON): write it in one of those forms`,
      );
      return;
    }
    for (const grant of grants) {
      const problem = grantProblem(grant);
      if (problem !== undefined) reportViolation(`${policy} grants path "${grant.path}", which ${problem}`);
      const forbidden = grant.capabilities.filter((c) => !ALLOWED_CAPABILITIES.includes(c));
      if (forbidden.length > 0) {
        reportViolation(
          `${policy} grants ${forbidden.join(", ")} on "${grant.path}": runs need read and update only`,
        );
      }
    }
  },
};

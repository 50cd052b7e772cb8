/**
 * Renders the Vault policy one run phase's token gets. The JWT roles set
 * `token_no_default_policy`, so this is everything the token may do, and it is exactly what the
 * hooks call:
 * - read that phase's credential endpoint(s) of the AWS secrets engine;
 * - `PUT sys/leases/revoke/<lease id>` under that role's lease prefix, with `lease_id` denied as
 *   a parameter: Vault's handler takes a body `lease_id` before the URL's, and the ACL only sees
 *   the URL, so without the denial the grant would revoke any lease in the namespace;
 * - `PUT sys/leases/lookup` with `lease_id` allowed only under that role's lease prefix;
 * - `auth/token/revoke-self` and `auth/token/lookup-self`;
 * - for the keeper (docs/hooks.md, "The keeper"): `PUT sys/leases/renew` with `lease_id` allowed
 *   only under that role's lease prefix (the body's `lease_id` is the one Vault renews), and
 *   `auth/token/renew-self`.
 * What remains: a lease prefix covers every lease of the role, so a phase token can revoke or look
 * up the leases of other runs of the same workspace phase (see docs/vault-side.md, "What a run
 * token can do"). See docs/upstream-behaviour.md#vault-tokens-and-leases.
 */
import { type CredentialType, credentialEndpoints } from "./aws-credential-types";

/** One `path` stanza of a Vault policy. */
export interface PolicyGrant {
  readonly path: string;
  readonly capabilities: readonly ("read" | "update")[];
  /** `allowed_parameters`: parameter -> allowed values (`*` globs at the end); `[]` = any value. */
  readonly allowedParameters?: Readonly<Record<string, readonly string[]>>;
  /** `denied_parameters`: parameter -> denied values; `[]` = the parameter may not be sent at all. */
  readonly deniedParameters?: Readonly<Record<string, readonly string[]>>;
}

// Mount and role names reach this module already validated; this guard keeps a bad caller from
// producing a policy that quotes wrongly or widens itself with Vault path wildcards (`*`, `+`).
const SAFE_SEGMENT = /^[A-Za-z0-9_.@-]+(\/[A-Za-z0-9_.@-]+)*$/;

function assertSafe(what: string, value: string): void {
  if (!SAFE_SEGMENT.test(value)) {
    throw new Error(
      `${what} "${value}" cannot be used in a Vault policy path: use letters, digits, ".", "_", "-", "@" and inner "/" only`,
    );
  }
}

/** The exact grants for one phase's role on one AWS secrets engine mount. */
export function phaseGrants(mountPath: string, roleName: string, type: CredentialType): PolicyGrant[] {
  assertSafe("mount path", mountPath);
  assertSafe("role name", roleName);
  const endpoints = credentialEndpoints(type);
  // Lease ids are `<mount>/<endpoint>/<role>/<random>`: the trailing `/` stops a role named
  // `plan` from matching the leases of a role named `plan-admin`.
  const leasePrefixes = endpoints.map((e) => `${mountPath}/${e}/${roleName}/`);
  return [
    ...endpoints.map((e) => ({ path: `${mountPath}/${e}/${roleName}`, capabilities: ["read"] as const })),
    ...leasePrefixes.map((prefix) => ({
      path: `sys/leases/revoke/${prefix}*`,
      capabilities: ["update"] as const,
      deniedParameters: { lease_id: [] },
    })),
    {
      path: "sys/leases/lookup",
      capabilities: ["update"] as const,
      allowedParameters: { lease_id: leasePrefixes.map((prefix) => `${prefix}*`) },
    },
    { path: "auth/token/revoke-self", capabilities: ["update"] as const },
    { path: "auth/token/lookup-self", capabilities: ["read"] as const },
    {
      path: "sys/leases/renew",
      capabilities: ["update"] as const,
      allowedParameters: { lease_id: leasePrefixes.map((prefix) => `${prefix}*`), increment: [] },
    },
    { path: "auth/token/renew-self", capabilities: ["update"] as const },
  ];
}

function hclParameters(
  field: string,
  params: Readonly<Record<string, readonly string[]>> | undefined,
): string[] {
  if (params === undefined) return [];
  const entries = Object.entries(params).map(
    ([name, values]) => `    "${name}" = [${values.map((v) => `"${v}"`).join(", ")}]`,
  );
  return [`  ${field} = {`, ...entries, "  }"];
}

/** The policy text (HCL) for a phase. */
export function renderPhasePolicy(
  mountPath: string,
  roleName: string,
  type: CredentialType,
  phase: string,
): string {
  const header = [
    `# tfc-jit-aws: ${phase} phase, AWS secrets engine role "${roleName}" (${type}) on mount "${mountPath}".`,
    "# Managed by Pulumi; edits in Vault are overwritten.",
  ];
  const stanzas = phaseGrants(mountPath, roleName, type).map((g) =>
    [
      `path "${g.path}" {`,
      `  capabilities = [${g.capabilities.map((c) => `"${c}"`).join(", ")}]`,
      ...hclParameters("allowed_parameters", g.allowedParameters),
      ...hclParameters("denied_parameters", g.deniedParameters),
      "}",
    ].join("\n"),
  );
  return `${[...header, ...stanzas].join("\n")}\n`;
}

/** A Vault policy name for a phase's role on a mount (`/` in nested mounts becomes `-`). */
export function phasePolicyName(mountPath: string, roleName: string): string {
  assertSafe("mount path", mountPath);
  assertSafe("role name", roleName);
  return `${mountPath.replace(/\//g, "-")}-${roleName}-creds`;
}

/**
 * Renders the Vault policy one run phase's token gets: read on that phase's credential
 * endpoint(s) of the AWS secrets engine, and update on the lease-revocation path scoped to the
 * leases that endpoint issues, so a hook can revoke its own lease synchronously
 * (`PUT sys/leases/revoke/<lease_id>`, lease id in the path) and nobody else's.
 * Nothing else: `revoke-self` and `sys/leases/lookup` come from Vault's built-in `default` policy.
 */
import { type CredentialType, credentialEndpoints } from "./aws-credential-types";

/** One `path` stanza of a Vault policy. */
export interface PolicyGrant {
  readonly path: string;
  readonly capabilities: readonly ("read" | "update")[];
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
  return [
    ...endpoints.map((e) => ({ path: `${mountPath}/${e}/${roleName}`, capabilities: ["read"] as const })),
    // Lease ids are `<mount>/<endpoint>/<role>/<random>`: the trailing `/*` stops a role named
    // `plan` from matching the leases of a role named `plan-admin`.
    ...endpoints.map((e) => ({
      path: `sys/leases/revoke/${mountPath}/${e}/${roleName}/*`,
      capabilities: ["update"] as const,
    })),
  ];
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
  const stanzas = phaseGrants(mountPath, roleName, type).map(
    (g) => `path "${g.path}" {\n  capabilities = [${g.capabilities.map((c) => `"${c}"`).join(", ")}]\n}`,
  );
  return `${[...header, ...stanzas].join("\n")}\n`;
}

/** A Vault policy name for a phase's role on a mount (`/` in nested mounts becomes `-`). */
export function phasePolicyName(mountPath: string, roleName: string): string {
  assertSafe("mount path", mountPath);
  assertSafe("role name", roleName);
  return `${mountPath.replace(/\//g, "-")}-${roleName}-creds`;
}

/**
 * The Vault policy for Pulumi's own token, as shipped in permissions/pulumi-vault-policy.hcl (for
 * the default names), with this stack's mount, auth path and role prefix put in. The demo Vault's
 * token gets exactly this; with your own Vault, `vault policy write` the shipped file (edited the
 * same way when you change the names).
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";

export const PULUMI_VAULT_POLICY_FILE = path.resolve(
  __dirname,
  "..",
  "permissions",
  "pulumi-vault-policy.hcl",
);

export interface VaultNames {
  readonly awsMountPath: string;
  readonly jwtAuthPath: string;
  readonly roleNamePrefix: string;
}

/** The shipped policy's paths that carry a name, for the default names, rewritten for `names`. */
function renamed(p: string, names: VaultNames): string {
  const m = names.awsMountPath;
  const j = names.jwtAuthPath;
  const x = names.roleNamePrefix;
  const table: Record<string, string> = {
    "sys/mounts/aws": `sys/mounts/${m}`,
    "sys/mounts/aws/tune": `sys/mounts/${m}/tune`,
    "aws/config/*": `${m}/config/*`,
    "aws/roles/tfc-*": `${m}/roles/${x}-*`,
    "sys/auth/jwt-tfc": `sys/auth/${j}`,
    "sys/auth/jwt-tfc/tune": `sys/auth/${j}/tune`,
    "auth/jwt-tfc/config": `auth/${j}/config`,
    "auth/jwt-tfc/role/tfc-*": `auth/${j}/role/${x}-*`,
    // Phase policies are named <mount with / as ->-<role>-creds (components/vault-policy.ts).
    "sys/policies/acl/aws-tfc-*": `sys/policies/acl/${m.replace(/\//g, "-")}-${x}-*`,
  };
  return table[p] ?? p;
}

/** The shipped policy for this stack's names. */
export function pulumiVaultPolicy(
  names: VaultNames,
  hcl = readFileSync(PULUMI_VAULT_POLICY_FILE, "utf8"),
): string {
  return hcl.replace(/^path "([^"]+)"/gm, (_m, p: string) => `path "${renamed(p, names)}"`);
}

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

/** The shipped policy's defaults, which `pulumiVaultPolicy` replaces. */
const DEFAULTS: VaultNames = { awsMountPath: "aws", jwtAuthPath: "jwt-tfc", roleNamePrefix: "tfc" };

/** Rewrites one `path "..."` of the shipped policy for `names`. */
function renamePath(p: string, names: VaultNames): string {
  const swap = (value: string, from: string, to: string) =>
    value === from ? to : value.startsWith(`${from}/`) ? `${to}${value.slice(from.length)}` : value;
  let out = p;
  out = swap(out, `sys/mounts/${DEFAULTS.awsMountPath}`, `sys/mounts/${names.awsMountPath}`);
  out = swap(out, DEFAULTS.awsMountPath, names.awsMountPath);
  out = swap(out, `sys/auth/${DEFAULTS.jwtAuthPath}`, `sys/auth/${names.jwtAuthPath}`);
  out = swap(out, `auth/${DEFAULTS.jwtAuthPath}`, `auth/${names.jwtAuthPath}`);
  return out.replace(`/${DEFAULTS.roleNamePrefix}-*`, `/${names.roleNamePrefix}-*`);
}

/** The shipped policy for this stack's names. */
export function pulumiVaultPolicy(
  names: VaultNames,
  hcl = readFileSync(PULUMI_VAULT_POLICY_FILE, "utf8"),
): string {
  return hcl.replace(/^path "([^"]+)"/gm, (_m, p: string) => `path "${renamePath(p, names)}"`);
}

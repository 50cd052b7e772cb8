/**
 * Turns a recorded `vault.jwt.AuthBackendRole` registration into the binding fields Vault
 * receives, so tests/support/bound-claims.ts (the one evaluator) can judge it.
 *
 * The Terraform Vault provider, not Vault, splits each bound claim string on commas unless
 * `disable_bound_claims_parsing` is set; that step is reproduced here so a role that stopped
 * disabling it would be judged as Vault would see it.
 */
import type { RoleBindings } from "../support/bound-claims";
import { plain, type RecordedResource } from "../support/pulumi-mocks";

export function bindingsOf(role: RecordedResource): RoleBindings {
  const inputs = plain(role.inputs) as Record<string, unknown>;
  const parse = inputs.disableBoundClaimsParsing !== true;
  const claims = (inputs.boundClaims ?? {}) as Record<string, string>;
  const type = inputs.boundClaimsType;
  if (type !== undefined && type !== "glob" && type !== "string")
    throw new Error(`unexpected bound_claims_type ${JSON.stringify(type)}`);
  return {
    ...(inputs.boundAudiences ? { bound_audiences: inputs.boundAudiences as string[] } : {}),
    ...(inputs.boundSubject ? { bound_subject: inputs.boundSubject as string } : {}),
    bound_claims: Object.fromEntries(
      Object.entries(claims).map(([k, v]) => [k, parse ? v.split(",").map((s) => s.trim()) : v]),
    ),
    ...(type ? { bound_claims_type: type } : {}),
  };
}

/**
 * Writes what the Vault-side components registered (as recorded by the Pulumi mocks) into the
 * shared Vault double, field for field as the Vault provider would send them: the JWT mount and
 * roles, the phase policies (their generated HCL), the AWS engine and roles. The end-to-end tests
 * then log in and fetch credentials against exactly what `pulumi up` would configure.
 */
import { plain, type RecordedResource } from "../support/pulumi-mocks";
import type { AwsCredentialType, JwtRole, VaultDouble } from "../support/vault-double";
import { bindingsOf } from "./recorded-bindings";

type Inputs = Record<string, unknown>;
const inputsOf = (r: RecordedResource) => plain(r.inputs) as Inputs;

export function seedVaultDouble(
  vault: VaultDouble,
  resources: readonly RecordedResource[],
  root: { mountUser: string },
): void {
  const ofType = (t: string) => resources.filter((r) => r.type === t).map(inputsOf);

  for (const auth of ofType("vault:jwt/authBackend:AuthBackend")) {
    vault.configureJwt(String(auth.path), {
      oidc_discovery_url: auth.oidcDiscoveryUrl as string,
      bound_issuer: auth.boundIssuer as string,
      ...(auth.oidcDiscoveryCaPem ? { oidc_discovery_ca_pem: auth.oidcDiscoveryCaPem as string } : {}),
      ...(auth.jwtSupportedAlgs ? { jwt_supported_algs: auth.jwtSupportedAlgs as string[] } : {}),
    });
  }
  for (const rec of resources.filter((r) => r.type === "vault:jwt/authBackendRole:AuthBackendRole")) {
    const role = inputsOf(rec);
    const jwtRole: JwtRole = {
      ...bindingsOf(rec),
      role_type: role.roleType as "jwt",
      user_claim: role.userClaim as string,
      claim_mappings: role.claimMappings as Record<string, string>,
      token_policies: role.tokenPolicies as string[],
      token_ttl: role.tokenTtl as number,
      ...(role.tokenMaxTtl ? { token_max_ttl: role.tokenMaxTtl as number } : {}),
      ...(Array.isArray(role.tokenBoundCidrs) && role.tokenBoundCidrs.length > 0
        ? { token_bound_cidrs: role.tokenBoundCidrs as string[] }
        : {}),
      token_type: role.tokenType as "service",
      token_no_default_policy: role.tokenNoDefaultPolicy as boolean,
    };
    vault.addJwtRole(String(role.backend), String(role.roleName), jwtRole);
  }
  for (const policy of ofType("vault:index/policy:Policy")) {
    vault.addPolicy(String(policy.name), String(policy.policy));
  }
  for (const backend of ofType("vault:aws/secretBackend:SecretBackend")) {
    vault.useAwsRootUser(String(backend.path), root.mountUser);
  }
  // rotateRootKey: a plain mount, whose config/root RotateRoot writes (run it through the host).
  for (const mount of ofType("vault:index/mount:Mount").filter((m) => m.type === "aws")) {
    vault.configureAws(String(mount.path));
  }
  for (const role of ofType("vault:aws/secretBackendRole:SecretBackendRole")) {
    vault.addAwsRole(String(role.backend), String(role.name), {
      credential_type: role.credentialType as AwsCredentialType,
      ...(role.policyDocument ? { policy_document: role.policyDocument as string } : {}),
      ...(role.roleArns ? { role_arns: role.roleArns as string[] } : {}),
      ...(role.defaultStsTtl ? { default_sts_ttl: role.defaultStsTtl as number } : {}),
      ...(role.maxStsTtl ? { max_sts_ttl: role.maxStsTtl as number } : {}),
    });
  }
}

/**
 * The run phases and AWS credential types the Vault side knows about, and which AWS secrets
 * engine endpoints each type is read from. Shared by the config validation, the Vault policy
 * renderer and the components so they can never disagree.
 */

/** HCP Terraform run phases that get their own Vault role and policy. */
export const PHASES = ["plan", "apply"] as const;
export type Phase = (typeof PHASES)[number];

/** `credential_type` values of Vault's AWS secrets engine roles. */
export const CREDENTIAL_TYPES = ["iam_user", "assumed_role", "federation_token", "session_token"] as const;
export type CredentialType = (typeof CREDENTIAL_TYPES)[number];

/** Types whose credentials come from AWS STS: they work at once but cannot be revoked early. */
export const STS_CREDENTIAL_TYPES: readonly CredentialType[] = [
  "assumed_role",
  "federation_token",
  "session_token",
];

export function isStsType(type: CredentialType): boolean {
  return STS_CREDENTIAL_TYPES.includes(type);
}

/**
 * The engine endpoints a credential type is read from. `iam_user` only via `creds/`; the STS
 * types answer on both `creds/` and `sts/` (the lease id then starts with the path used), so a
 * hook may use either and must be able to revoke what it got.
 */
export function credentialEndpoints(type: CredentialType): readonly ("creds" | "sts")[] {
  return isStsType(type) ? ["creds", "sts"] : ["creds"];
}

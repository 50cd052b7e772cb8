/**
 * Credentials other packages read from this stack's config must be secrets. `tfc:token` is read by
 * our dynamic providers and `vault:token` by the Vault provider; a value set without `--secret` is
 * kept in plain text in the stack file and, because the whole stack config travels with the default
 * `pulumi-nodejs` provider's inputs, in plain text in state too
 * (docs/upstream-behaviour.md#pulumi). Refused before anything registers, naming the fix.
 */
import type { ConfigReader } from "./reader";

/** Keys outside our namespace that hold a credential when set in stack config. */
export const CREDENTIAL_KEYS: readonly { key: string; env: string }[] = [
  { key: "tfc:token", env: "TFE_TOKEN" },
  { key: "vault:token", env: "VAULT_TOKEN" },
];

export function checkCredentialsAreSecret(
  r: ConfigReader,
  isPlainText: ((fullKey: string) => boolean) | undefined,
): void {
  if (isPlainText === undefined) return;
  for (const { key, env } of CREDENTIAL_KEYS) {
    if (!isPlainText(key)) continue;
    r.failFullKey(
      key,
      "is set in plain text, so the token sits unencrypted in the stack file and in the state of every resource's provider",
      `pulumi config set --secret ${key} <token> (or remove it and export ${env})`,
    );
  }
}

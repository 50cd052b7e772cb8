/**
 * Turns a failed Vault call into the one line the user reads: what failed, and what to check for
 * that kind of failure (TLS, network, Vault's status, a malformed answer).
 */
import { HookFailure } from "./failure";
import { VaultAnswerError } from "./vault-api";
import { VaultCallError } from "./vault-client";

/** `statusCheck` is the step-specific advice for a 4xx answer from Vault. */
export function explainVaultError(err: unknown, step: string, statusCheck: string): Error {
  if (err instanceof HookFailure) return err;
  if (err instanceof VaultAnswerError) {
    return new HookFailure(
      `${step} failed: ${err.message}`,
      "that TFC_VAULT_ADDR points at Vault itself (not a proxy or a login page) and the AWS secrets engine role",
    );
  }
  if (!(err instanceof VaultCallError)) return err instanceof Error ? err : new Error(String(err));
  switch (err.problem) {
    case "tls":
      return new HookFailure(
        `${step} failed: ${err.message}`,
        "that TFC_VAULT_ENCODED_CACERT is the base64 PEM of the CA that signed Vault's certificate and TFC_VAULT_ADDR matches the certificate's name (verification is never skipped)",
      );
    case "network":
    case "timeout":
      return new HookFailure(
        `${step} failed: ${err.message}`,
        "that TFC_VAULT_ADDR is reachable from the agent (DNS, firewall, proxy) and Vault is up",
      );
    case "json":
      return new HookFailure(
        `${step} failed: ${err.message}`,
        "that TFC_VAULT_ADDR points at Vault itself, not a proxy or a login page",
      );
    case "status":
      if (err.status === 429 || (err.status ?? 0) >= 500) {
        return new HookFailure(
          `${step} failed after retries: ${err.message}`,
          "Vault's health (sealed, standby without forwarding, rate limit quotas)",
        );
      }
      return new HookFailure(`${step} was refused: ${err.message}`, statusCheck);
  }
}

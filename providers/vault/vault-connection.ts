/**
 * Where and as whom a Vault dynamic provider talks to Vault, resolved at call time from the same
 * settings the @pulumi/vault provider uses: stack config `vault:address`, `vault:token`,
 * `vault:namespace`, `vault:caCertFile`, else the VAULT_ADDR, VAULT_TOKEN, VAULT_NAMESPACE,
 * VAULT_CACERT environment variables. Never captured into the serialized provider and never
 * returned in outputs, so the token cannot reach Pulumi state.
 */

/** Reads one stack config value by full key (`vault:address`); the dynamic provider host's Config. */
export type ConfigLookup = (key: string) => string | undefined;

export interface VaultConnection {
  /** Base URL without trailing slash, e.g. `https://vault.example.com:8200`. */
  readonly address: string;
  /** Absent only for Vault's unauthenticated endpoints (sys/init, sys/seal-status). */
  readonly token?: string;
  readonly namespace?: string;
  /** File holding the PEM of an extra CA to trust (added to, never replacing verification). */
  readonly caCertFile?: string;
  /** The PEM itself, for a CA the program generated (the demo Vault's); never written to disk. */
  readonly caCertPem?: string;
}

function pick(
  config: ConfigLookup,
  key: string,
  env: NodeJS.ProcessEnv,
  envName: string,
): string | undefined {
  // Structured stack config may arrive as a non-string (e.g. a YAML boolean): compare as text.
  const raw: unknown = config(key);
  const fromConfig =
    typeof raw === "string"
      ? raw.trim()
      : typeof raw === "boolean" || typeof raw === "number"
        ? String(raw)
        : "";
  const value = fromConfig || env[envName]?.trim();
  return value === "" ? undefined : value;
}

// A plain array, not a Set: Pulumi's closure serializer cannot carry Sets into the provider host.
const LOOPBACK: readonly string[] = ["localhost", "127.0.0.1", "[::1]"];

/**
 * Resolves the connection or throws a message naming the setting and the fix (never a value
 * that could be secret).
 */
export function resolveVaultConnection(
  config: ConfigLookup,
  env: NodeJS.ProcessEnv = process.env,
): VaultConnection {
  const address = pick(config, "vault:address", env, "VAULT_ADDR");
  if (!address) {
    throw new Error(
      "Vault address is not set: set `pulumi config set vault:address https://<vault>:8200` or the VAULT_ADDR environment variable",
    );
  }
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new Error(
      // Credentials in a broken address (`https://user:password@...`) are masked, not echoed.
      `Vault address "${address.replace(/\/\/[^/]*@/, "//***@")}" is not a URL: set vault:address (or VAULT_ADDR) to https://<vault>:8200`,
    );
  }
  // The Vault token travels in a header: plain http is only acceptable to this machine.
  if (url.protocol !== "https:" && !(url.protocol === "http:" && LOOPBACK.includes(url.hostname))) {
    throw new Error(
      `Vault address ${url.origin} is not https: use an https:// address for vault:address (or VAULT_ADDR); http is accepted only for localhost`,
    );
  }
  const skip = pick(config, "vault:skipTlsVerify", env, "VAULT_SKIP_VERIFY");
  if (skip !== undefined && skip !== "false" && skip !== "0") {
    throw new Error(
      "TLS verification cannot be skipped for root-key rotation: unset vault:skipTlsVerify / VAULT_SKIP_VERIFY and trust the CA with vault:caCertFile or VAULT_CACERT",
    );
  }
  const token = pick(config, "vault:token", env, "VAULT_TOKEN");
  if (!token) {
    throw new Error(
      "Vault token is not set: set `pulumi config set --secret vault:token <token>` or the VAULT_TOKEN environment variable",
    );
  }
  const namespace = pick(config, "vault:namespace", env, "VAULT_NAMESPACE");
  const caCertFile = pick(config, "vault:caCertFile", env, "VAULT_CACERT");
  return {
    address: url.href.replace(/\/+$/, ""),
    token,
    ...(namespace ? { namespace } : {}),
    ...(caCertFile ? { caCertFile } : {}),
  };
}

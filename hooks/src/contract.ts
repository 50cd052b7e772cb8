/**
 * The hook contract (docs/hooks.md): the workspace variables HCP Terraform's native
 * Vault-backed AWS credentials use, read the same way (phase-specific beats run-level), and
 * validated before anything is sent anywhere. Each problem names the variable and the fix.
 */
import { HookFailure } from "./failure";

/**
 * Every environment variable the hooks read, and nothing else: the sudo rule (env_keep) and the
 * privileged wrapper (`env -i`) pass exactly these to the hook's Node, so NODE_OPTIONS,
 * NODE_COMPILE_CACHE, NODE_EXTRA_CA_CERTS, PATH or anything else a workspace sets never reaches it
 * (docs/hooks.md, "Privilege separation"). A test keeps this list equal to what the code reads.
 */
export const HOOK_ENVIRONMENT: readonly string[] = [
  "TFC_RUN_ID",
  "TFC_WORKLOAD_IDENTITY_TOKEN",
  "TFC_VAULT_ADDR",
  "VAULT_ADDR",
  "TFC_VAULT_NAMESPACE",
  "TFC_VAULT_ENCODED_CACERT",
  "TFC_VAULT_AUTH_PATH",
  "TFC_VAULT_RUN_ROLE",
  "TFC_VAULT_PLAN_ROLE",
  "TFC_VAULT_APPLY_ROLE",
  "TFC_VAULT_BACKED_AWS_AUTH",
  "TFC_VAULT_BACKED_AWS_AUTH_TYPE",
  "TFC_VAULT_BACKED_AWS_MOUNT_PATH",
  "TFC_VAULT_BACKED_AWS_RUN_VAULT_ROLE",
  "TFC_VAULT_BACKED_AWS_PLAN_VAULT_ROLE",
  "TFC_VAULT_BACKED_AWS_APPLY_VAULT_ROLE",
  "TFC_VAULT_BACKED_AWS_RUN_ROLE_ARN",
  "TFC_VAULT_BACKED_AWS_PLAN_ROLE_ARN",
  "TFC_VAULT_BACKED_AWS_APPLY_ROLE_ARN",
  "TFC_VAULT_BACKED_AWS_SLEEP_SECONDS",
  "TFC_VAULT_BACKED_AWS_VAULT_CONFIG",
  // The `TFC_DEFAULT_` forms apply to every AWS configuration that does not set its own
  // (docs/hooks.md, "Several AWS configurations"); TFC_VAULT_BACKED_AWS_AUTH has none upstream.
  "TFC_DEFAULT_VAULT_BACKED_AWS_AUTH_TYPE",
  "TFC_DEFAULT_VAULT_BACKED_AWS_MOUNT_PATH",
  "TFC_DEFAULT_VAULT_BACKED_AWS_RUN_VAULT_ROLE",
  "TFC_DEFAULT_VAULT_BACKED_AWS_PLAN_VAULT_ROLE",
  "TFC_DEFAULT_VAULT_BACKED_AWS_APPLY_VAULT_ROLE",
  "TFC_DEFAULT_VAULT_BACKED_AWS_RUN_ROLE_ARN",
  "TFC_DEFAULT_VAULT_BACKED_AWS_PLAN_ROLE_ARN",
  "TFC_DEFAULT_VAULT_BACKED_AWS_APPLY_ROLE_ARN",
  "TFC_DEFAULT_VAULT_BACKED_AWS_SLEEP_SECONDS",
  "TFC_DEFAULT_VAULT_BACKED_AWS_VAULT_CONFIG",
  "TFC_AGENT_HOOK_TIMEOUT",
  "TFC_AGENT_HOOK_PRE_PLAN_TIMEOUT",
  "TFC_AGENT_HOOK_POST_PLAN_TIMEOUT",
  "TFC_AGENT_HOOK_PRE_APPLY_TIMEOUT",
  "TFC_AGENT_HOOK_POST_APPLY_TIMEOUT",
  "AWS_REGION",
  "AWS_DEFAULT_REGION",
  "AWS_ENDPOINT_URL",
  "AWS_ENDPOINT_URL_STS",
];

/**
 * Set by the root-owned wrapper itself (never taken from the agent's environment): where the
 * hooks keep their state, a directory only the hooks' user can read.
 */
export const STATE_DIR_VARIABLE = "TFC_JIT_AWS_STATE_DIR";

/**
 * Set by the root-owned wrapper too: where the hooks write the shared credentials files of a
 * phase's AWS configurations, a directory owned by the hooks' user that the agent user (and so the
 * run) may read but not change (docs/hooks.md, "Several AWS configurations").
 */
export const CREDENTIALS_DIR_VARIABLE = "TFC_JIT_AWS_CREDENTIALS_DIR";

/**
 * Variables that also come tagged, as `<NAME>_<TAG>` (HCP Terraform's "Specifying multiple
 * configurations": a tag is letters, digits and underscores; docs/upstream-behaviour.md). The sudo
 * rule keeps `<NAME>_*` for each, and the wrapper passes on exactly the set names of that form.
 */
export const TAGGED_HOOK_VARIABLES: readonly string[] = [
  "TFC_WORKLOAD_IDENTITY_TOKEN",
  "TFC_VAULT_ADDR",
  "TFC_VAULT_NAMESPACE",
  "TFC_VAULT_ENCODED_CACERT",
  "TFC_VAULT_AUTH_PATH",
  "TFC_VAULT_RUN_ROLE",
  "TFC_VAULT_PLAN_ROLE",
  "TFC_VAULT_APPLY_ROLE",
  "TFC_VAULT_BACKED_AWS_AUTH",
  "TFC_VAULT_BACKED_AWS_AUTH_TYPE",
  "TFC_VAULT_BACKED_AWS_MOUNT_PATH",
  "TFC_VAULT_BACKED_AWS_RUN_VAULT_ROLE",
  "TFC_VAULT_BACKED_AWS_PLAN_VAULT_ROLE",
  "TFC_VAULT_BACKED_AWS_APPLY_VAULT_ROLE",
  "TFC_VAULT_BACKED_AWS_RUN_ROLE_ARN",
  "TFC_VAULT_BACKED_AWS_PLAN_ROLE_ARN",
  "TFC_VAULT_BACKED_AWS_APPLY_ROLE_ARN",
  "TFC_VAULT_BACKED_AWS_SLEEP_SECONDS",
  "TFC_VAULT_BACKED_AWS_VAULT_CONFIG",
];

export const AUTH_TYPES = ["iam_user", "assumed_role", "federation_token", "session_token"] as const;
export type AuthType = (typeof AUTH_TYPES)[number];

export interface VaultTarget {
  /** Vault's base URL, no trailing slash. */
  readonly address: string;
  readonly namespace?: string;
  /** PEM of the only CA trusted for Vault's certificate (else the system CAs). */
  readonly caCertPem?: string;
}

/** One AWS configuration of a phase, read and validated (aws-configurations.ts). */
export interface PreSettings {
  /** Undefined for the default (untagged) configuration. */
  readonly tag?: string;
  /** The tagged Vault configuration it logs in with; undefined for the default one. */
  readonly vaultConfig?: string;
  readonly vault: VaultTarget;
  readonly authPath: string;
  readonly jwtRole: string;
  readonly mount: string;
  readonly authType: AuthType;
  readonly awsRole: string;
  readonly roleArn?: string;
  readonly sleepSeconds: number;
  readonly jwt: string;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** A variable's value, trimmed; undefined when unset or empty. */
export function value(env: NodeJS.ProcessEnv, key: string): string | undefined {
  const v = env[key]?.trim();
  return v === undefined || v === "" ? undefined : v;
}

/** The first of `keys` that is set, with its name. */
export function firstOf(
  env: NodeJS.ProcessEnv,
  keys: readonly string[],
): { key: string; value: string } | undefined {
  for (const key of keys) {
    const v = value(env, key);
    if (v !== undefined) return { key, value: v };
  }
  return undefined;
}

/**
 * The Vault to log in to. `suffix` is `_<V>` for a tagged Vault configuration V (its own
 * `TFC_VAULT_ADDR_<V>`, namespace and CA; no VAULT_ADDR fallback), empty for the default one.
 */
export function readVaultTarget(env: NodeJS.ProcessEnv, suffix = ""): VaultTarget {
  const ADDR = `TFC_VAULT_ADDR${suffix}`;
  const addr = firstOf(env, suffix === "" ? [ADDR, "VAULT_ADDR"] : [ADDR]);
  if (!addr) {
    throw new HookFailure(
      `${ADDR} is not set`,
      `set the workspace variable ${ADDR} to the Vault address reachable from the agents (https://<vault>:8200)`,
    );
  }
  let url: URL;
  try {
    url = new URL(addr.value);
  } catch {
    throw new HookFailure(`${addr.key} is not a URL`, `set ${addr.key} to https://<vault>:8200`);
  }
  // The JWT and the Vault token travel in the clear over http: only this machine may be plain.
  if (url.protocol !== "https:" && !(url.protocol === "http:" && LOOPBACK.has(url.hostname))) {
    throw new HookFailure(
      `${addr.key} ${url.origin} is not https`,
      `use an https:// address in ${addr.key} (plain http is accepted for localhost only)`,
    );
  }
  const namespace = value(env, `TFC_VAULT_NAMESPACE${suffix}`)?.replace(/^\/+|\/+$/g, "");
  const CACERT = `TFC_VAULT_ENCODED_CACERT${suffix}`;
  const encoded = value(env, CACERT);
  let caCertPem: string | undefined;
  if (encoded !== undefined) {
    caCertPem = Buffer.from(encoded, "base64").toString("utf8");
    if (!caCertPem.includes("-----BEGIN CERTIFICATE-----")) {
      throw new HookFailure(
        `${CACERT} is not a base64-encoded PEM certificate`,
        "set it to the output of `base64 -w0 ca.pem` for the CA that signed Vault's certificate",
      );
    }
  }
  return {
    address: url.origin + url.pathname.replace(/\/+$/, ""),
    ...(namespace ? { namespace } : {}),
    ...(caCertPem ? { caCertPem } : {}),
  };
}

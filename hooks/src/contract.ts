/**
 * The hook contract (docs/hooks.md): the workspace variables HCP Terraform's native
 * Vault-backed AWS credentials use, read the same way (phase-specific beats run-level), and
 * validated before anything is sent anywhere. Each problem names the variable and the fix.
 */
import { HookFailure } from "./failure";
import type { Phase } from "./hook-name";

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

export interface PreSettings {
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

const MOUNT = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;
const ROLE = /^[A-Za-z0-9_.@-]+$/;
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

function value(env: NodeJS.ProcessEnv, key: string): string | undefined {
  const v = env[key]?.trim();
  return v === undefined || v === "" ? undefined : v;
}

/** The first of `keys` that is set, with its name. */
function firstOf(
  env: NodeJS.ProcessEnv,
  keys: readonly string[],
): { key: string; value: string } | undefined {
  for (const key of keys) {
    const v = value(env, key);
    if (v !== undefined) return { key, value: v };
  }
  return undefined;
}

/** Whether HCP Terraform's own Vault-backed AWS flow is in charge (then our hooks stand down). */
export function nativeFlowEnabled(env: NodeJS.ProcessEnv): boolean {
  return value(env, "TFC_VAULT_BACKED_AWS_AUTH")?.toLowerCase() === "true";
}

export function readVaultTarget(env: NodeJS.ProcessEnv): VaultTarget {
  const addr = firstOf(env, ["TFC_VAULT_ADDR", "VAULT_ADDR"]);
  if (!addr) {
    throw new HookFailure(
      "TFC_VAULT_ADDR is not set",
      "set the workspace variable TFC_VAULT_ADDR to the Vault address reachable from the agents (https://<vault>:8200)",
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
  const namespace = value(env, "TFC_VAULT_NAMESPACE")?.replace(/^\/+|\/+$/g, "");
  const encoded = value(env, "TFC_VAULT_ENCODED_CACERT");
  let caCertPem: string | undefined;
  if (encoded !== undefined) {
    caCertPem = Buffer.from(encoded, "base64").toString("utf8");
    if (!caCertPem.includes("-----BEGIN CERTIFICATE-----")) {
      throw new HookFailure(
        "TFC_VAULT_ENCODED_CACERT is not a base64-encoded PEM certificate",
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

/** `.` and `..` segments would make URL normalisation send the call to another Vault path. */
function hasDotSegment(name: string): boolean {
  return name.split("/").some((segment) => segment === "." || segment === "..");
}

function requireName(env: NodeJS.ProcessEnv, key: string, fallback: string, pattern: RegExp): string {
  const v = value(env, key) ?? fallback;
  if (!pattern.test(v) || hasDotSegment(v))
    throw new HookFailure(
      `${key}="${v}" is not a valid Vault path`,
      `set ${key} to the mount path, e.g. ${fallback}, without leading or trailing /`,
    );
  return v;
}

export function readPreSettings(env: NodeJS.ProcessEnv, phase: Phase): PreSettings {
  const P = phase.toUpperCase();
  const jwt = value(env, "TFC_WORKLOAD_IDENTITY_TOKEN");
  if (!jwt) {
    throw new HookFailure(
      "TFC_WORKLOAD_IDENTITY_TOKEN is not set",
      "set the workspace variable TFC_WORKLOAD_IDENTITY_AUDIENCE (HCP Terraform then injects the token; tfc-agent >= 1.7)",
    );
  }
  const vault = readVaultTarget(env);
  const authPath = requireName(env, "TFC_VAULT_AUTH_PATH", "jwt", MOUNT);
  const mount = requireName(env, "TFC_VAULT_BACKED_AWS_MOUNT_PATH", "aws", MOUNT);

  const jwtRole = firstOf(env, [`TFC_VAULT_${P}_ROLE`, "TFC_VAULT_RUN_ROLE"]);
  if (!jwtRole)
    throw new HookFailure(
      `no Vault JWT role for the ${phase} phase`,
      `set the workspace variable TFC_VAULT_${P}_ROLE (or TFC_VAULT_RUN_ROLE)`,
    );
  if (!ROLE.test(jwtRole.value) || hasDotSegment(jwtRole.value))
    throw new HookFailure(
      `${jwtRole.key}="${jwtRole.value}" is not a valid role name`,
      `set ${jwtRole.key} to the JWT role's name`,
    );

  const rawType = value(env, "TFC_VAULT_BACKED_AWS_AUTH_TYPE") ?? "iam_user";
  if (!(AUTH_TYPES as readonly string[]).includes(rawType)) {
    throw new HookFailure(
      `TFC_VAULT_BACKED_AWS_AUTH_TYPE="${rawType}" is not supported`,
      `set it to one of ${AUTH_TYPES.join(", ")}`,
    );
  }
  const awsRole = firstOf(env, [
    `TFC_VAULT_BACKED_AWS_${P}_VAULT_ROLE`,
    "TFC_VAULT_BACKED_AWS_RUN_VAULT_ROLE",
  ]) ?? { key: jwtRole.key, value: jwtRole.value };
  if (!ROLE.test(awsRole.value) || hasDotSegment(awsRole.value))
    throw new HookFailure(
      `${awsRole.key}="${awsRole.value}" is not a valid role name`,
      `set ${awsRole.key} to the AWS secrets engine role's name`,
    );
  const roleArn = firstOf(env, [`TFC_VAULT_BACKED_AWS_${P}_ROLE_ARN`, "TFC_VAULT_BACKED_AWS_RUN_ROLE_ARN"]);
  if (roleArn && !/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/.test(roleArn.value)) {
    throw new HookFailure(
      `${roleArn.key} is not an IAM role ARN`,
      `set ${roleArn.key} to arn:aws:iam::<account>:role/<name>`,
    );
  }

  const rawSleep = value(env, "TFC_VAULT_BACKED_AWS_SLEEP_SECONDS") ?? "0";
  const sleepSeconds = Number(rawSleep);
  if (!/^\d+$/.test(rawSleep) || sleepSeconds > 1500) {
    throw new HookFailure(
      `TFC_VAULT_BACKED_AWS_SLEEP_SECONDS="${rawSleep}" is not a whole number of seconds up to 1500`,
      "unset it (the hook waits until AWS accepts the keys) or set a small whole number",
    );
  }
  return {
    vault,
    authPath,
    jwtRole: jwtRole.value,
    mount,
    authType: rawType as AuthType,
    awsRole: awsRole.value,
    ...(roleArn ? { roleArn: roleArn.value } : {}),
    sleepSeconds,
    jwt,
  };
}

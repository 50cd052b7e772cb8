/**
 * The AWS configurations of a phase (docs/hooks.md, "Several AWS configurations"): the default one
 * and one per tag, named as HCP Terraform's native Vault-backed AWS credentials name them
 * (docs/upstream-behaviour.md, "Tagged configurations"), all read and validated before anything
 * is sent anywhere. Each problem names the configuration, the variable and the fix.
 */
import { AUTH_TYPES, type AuthType, firstOf, type PreSettings, readVaultTarget, value } from "./contract";
import { HookFailure } from "./failure";
import type { Phase } from "./hook-name";

const AUTH = "TFC_VAULT_BACKED_AWS_AUTH";
/** A tag: letters, digits, underscores; `TYPE` is reserved (`..._AUTH_TYPE` is not a tag's switch). */
const TAG = /^[A-Za-z0-9_]+$/;
const MOUNT = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;
const ROLE = /^[A-Za-z0-9_.@-]+$/;

/** The tags of the workspace: every set `TFC_VAULT_BACKED_AWS_AUTH_<TAG>`, sorted. */
export function awsTags(env: NodeJS.ProcessEnv): string[] {
  const prefix = `${AUTH}_`;
  return Object.keys(env)
    .filter((k) => k.startsWith(prefix) && env[k] !== undefined)
    .map((k) => k.slice(prefix.length))
    .filter((t) => TAG.test(t) && !t.startsWith("TYPE"))
    .sort();
}

/** `default configuration` or `configuration "<TAG>"`, as failure lines name them. */
export function configurationLabel(tag: string | undefined): string {
  return tag === undefined ? "default configuration" : `configuration "${tag}"`;
}

/**
 * Who issues the credentials: HCP Terraform (every configuration's `..._AUTH[_TAG]` is `true`),
 * our hooks (none is), or nobody, which fails closed: one flow per workspace.
 */
export function flowInCharge(env: NodeJS.ProcessEnv): "native" | "ours" {
  const names = [AUTH, ...awsTags(env).map((t) => `${AUTH}_${t}`)];
  const native = names.filter((n) => value(env, n)?.toLowerCase() === "true");
  if (native.length === 0) return "ours";
  if (native.length === names.length) return "native";
  const ours = names.filter((n) => !native.includes(n));
  throw new HookFailure(
    `HCP Terraform's native flow is on for ${native.join(", ")} but not for ${ours.join(", ")}, and one run cannot use both`,
    "switch all of a workspace's configurations together: every TFC_VAULT_BACKED_AWS_AUTH[_<TAG>] true (native) or none (these hooks)",
  );
}

/** `.` and `..` segments would make URL normalisation send the call to another Vault path. */
function hasDotSegment(name: string): boolean {
  return name.split("/").some((segment) => segment === "." || segment === "..");
}

function checkedName(found: { key: string; value: string }, kind: "mount" | "role", what: string): string {
  const pattern = kind === "mount" ? MOUNT : ROLE;
  if (!pattern.test(found.value) || hasDotSegment(found.value))
    throw new HookFailure(
      `${found.key}="${found.value}" is not a valid ${kind === "mount" ? "Vault path" : "role name"}`,
      kind === "mount"
        ? `set ${found.key} to the ${what}'s mount path without leading or trailing /`
        : `set ${found.key} to the ${what}'s name`,
    );
  return found.value;
}

/** `X_<TAG>` (the default: `X`), then `TFC_DEFAULT_X`; phase-specific beats run-level at each level. */
function awsKeys(tag: string | undefined, ...names: string[]): string[] {
  const s = tag === undefined ? "" : `_${tag}`;
  return [
    ...names.map((n) => `TFC_VAULT_BACKED_AWS_${n}${s}`),
    ...names.map((n) => `TFC_DEFAULT_VAULT_BACKED_AWS_${n}`),
  ];
}

/** One configuration's settings; `tag` undefined = the default configuration. */
export function readConfiguration(env: NodeJS.ProcessEnv, phase: Phase, tag?: string): PreSettings {
  const P = phase.toUpperCase();
  const vaultConfigVar = firstOf(env, awsKeys(tag, "VAULT_CONFIG"));
  const vaultConfig = vaultConfigVar?.value;
  if (vaultConfigVar !== undefined && !TAG.test(vaultConfigVar.value))
    throw new HookFailure(
      `${vaultConfigVar.key}="${vaultConfigVar.value}" is not a Vault configuration's tag`,
      `set ${vaultConfigVar.key} to the tag of the TFC_VAULT_ADDR_<TAG> variables (letters, digits, underscores)`,
    );
  const v = vaultConfig === undefined ? "" : `_${vaultConfig}`;

  const TOKEN = `TFC_WORKLOAD_IDENTITY_TOKEN${v}`;
  const jwt = value(env, TOKEN);
  if (!jwt) {
    throw new HookFailure(
      `${TOKEN} is not set`,
      `set the workspace variable TFC_WORKLOAD_IDENTITY_AUDIENCE${v} (HCP Terraform then injects the token; tfc-agent >= ${v === "" ? "1.7" : "1.12"})`,
    );
  }
  const vault = readVaultTarget(env, v);
  const authPath = checkedName(
    firstOf(env, [`TFC_VAULT_AUTH_PATH${v}`]) ?? { key: `TFC_VAULT_AUTH_PATH${v}`, value: "jwt" },
    "mount",
    "JWT auth method",
  );
  const jwtRoleVar = firstOf(env, [`TFC_VAULT_${P}_ROLE${v}`, `TFC_VAULT_RUN_ROLE${v}`]);
  if (!jwtRoleVar)
    throw new HookFailure(
      `no Vault JWT role for the ${phase} phase`,
      `set the workspace variable TFC_VAULT_${P}_ROLE${v} (or TFC_VAULT_RUN_ROLE${v})`,
    );
  const jwtRole = checkedName(jwtRoleVar, "role", "JWT role");

  const mount = checkedName(
    firstOf(env, awsKeys(tag, "MOUNT_PATH")) ?? { key: awsKeys(tag, "MOUNT_PATH")[0], value: "aws" },
    "mount",
    "AWS secrets engine",
  );
  const typeVar = firstOf(env, awsKeys(tag, "AUTH_TYPE"));
  const authType = typeVar?.value ?? "iam_user";
  if (!(AUTH_TYPES as readonly string[]).includes(authType)) {
    throw new HookFailure(
      `${typeVar?.key ?? "TFC_VAULT_BACKED_AWS_AUTH_TYPE"}="${authType}" is not supported`,
      `set it to one of ${AUTH_TYPES.join(", ")}`,
    );
  }
  const awsRole = checkedName(
    firstOf(env, awsKeys(tag, `${P}_VAULT_ROLE`, "RUN_VAULT_ROLE")) ?? jwtRoleVar,
    "role",
    "AWS secrets engine role",
  );
  const roleArn = firstOf(env, awsKeys(tag, `${P}_ROLE_ARN`, "RUN_ROLE_ARN"));
  if (roleArn && !/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/.test(roleArn.value)) {
    throw new HookFailure(
      `${roleArn.key} is not an IAM role ARN`,
      `set ${roleArn.key} to arn:aws:iam::<account>:role/<name>`,
    );
  }
  const sleepVar = firstOf(env, awsKeys(tag, "SLEEP_SECONDS"));
  const rawSleep = sleepVar?.value ?? "0";
  const sleepSeconds = Number(rawSleep);
  if (!/^\d+$/.test(rawSleep) || sleepSeconds > 1500) {
    throw new HookFailure(
      `${sleepVar?.key ?? "TFC_VAULT_BACKED_AWS_SLEEP_SECONDS"}="${rawSleep}" is not a whole number of seconds up to 1500`,
      "unset it (the hook waits until AWS accepts the keys) or set a small whole number",
    );
  }
  return {
    ...(tag === undefined ? {} : { tag }),
    ...(vaultConfig === undefined ? {} : { vaultConfig }),
    vault,
    authPath,
    jwtRole,
    mount,
    authType: authType as AuthType,
    awsRole,
    ...(roleArn ? { roleArn: roleArn.value } : {}),
    sleepSeconds,
    jwt,
  };
}

/**
 * Every configuration of the phase, the default first. With tags, a failure line names the
 * configuration it is about; without, it reads as it always did.
 */
export function readConfigurations(env: NodeJS.ProcessEnv, phase: Phase): PreSettings[] {
  const tags = awsTags(env);
  return [undefined, ...tags].map((tag) => {
    try {
      return readConfiguration(env, phase, tag);
    } catch (err) {
      if (err instanceof HookFailure && tags.length > 0)
        throw new HookFailure(`${configurationLabel(tag)}: ${err.what}`, err.check);
      throw err;
    }
  });
}

/**
 * Names the Vault double's AWS engine gives iam_user users (and assumed_role sessions without
 * `role_session_name`), as builtin/logical/aws/secret_access_keys.go `genUsername` does: the
 * `username_template` of `config/root` (path_config_root.go `defaultUserNameTemplate` when unset)
 * applied to DisplayName and PolicyName (the Vault role name), both passed through
 * `normalizeDisplayName` first. The double does not run Go templates: it knows Vault's default and
 * the template the program sets (components/vault-aws-engine.ts), each rewritten below step by
 * step; any other template is a test set-up error. See docs/upstream-behaviour.md,
 * "Vault AWS secrets engine".
 */
import { randomBytes } from "node:crypto";
import { IAM_USERNAME_TEMPLATE } from "../../components/vault-aws-engine";

/** sdk/helper/base62 Random's alphabet. */
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

function random(length: number): string {
  return Array.from(randomBytes(length), (b) => BASE62[b % 62]).join("");
}

/** secret_access_keys.go normalizeDisplayName. */
export function normalizeDisplayName(name: string): string {
  return name.replace(/[^a-zA-Z0-9+=,.@_-]/g, "_");
}

const unixTime = (): string => String(Math.floor(Date.now() / 1000));

/** IAM-type names per known template (the `{{ else }}` branch of both). */
const IAM_NAMES: ReadonlyMap<string | undefined, (display: string, policy: string) => string> = new Map([
  [
    // Vault's default: printf "vault-%s-%s-%s" (printf "%s-%s" .DisplayName .PolicyName | truncate 42)
    // (unix_time) (random 20) | truncate 64
    undefined,
    (display: string, policy: string) =>
      `vault-${`${display}-${policy}`.slice(0, 42)}-${unixTime()}-${random(20)}`.slice(0, 64),
  ],
  [
    IAM_USERNAME_TEMPLATE,
    (display: string, policy: string) => {
      const short = display
        .split("organization_")
        .join("")
        .split("_project_")
        .join(".")
        .split("_workspace_")
        .join(".");
      return `vault-${`${policy}-${short}`.slice(0, 40)}-${unixTime()}-${random(6)}`.slice(0, 64);
    },
  ],
]);

/** The IAM user (or default session) name Vault would generate; throws on an unknown template. */
export function iamUserName(template: string | undefined, displayName: string, policyName: string): string {
  const render = IAM_NAMES.get(template === "" ? undefined : template);
  if (render === undefined) throw new Error("the Vault double cannot render this username_template");
  const name = render(normalizeDisplayName(displayName), normalizeDisplayName(policyName));
  // genUsername refuses longer names (exceeds the IAM username length limits of 64 chars).
  if (name.length > 64) throw new Error("username template produced more than 64 characters");
  return name;
}

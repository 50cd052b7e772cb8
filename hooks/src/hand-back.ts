/**
 * What a successful pre hook hands to Terraform (docs/hooks.md, "Several AWS configurations"): one
 * shared credentials file per AWS configuration, the Terraform variable
 * `tfc_vault_backed_aws_dynamic_credentials` naming them in the shape HCP Terraform's native flow
 * gives (docs/upstream-behaviour.md, "Tagged configurations"), and the default configuration's keys:
 * as `AWS_*` when it is the only one, else as `AWS_SHARED_CREDENTIALS_FILE` (`AWS_*` keys in the
 * environment would win over every alias's `shared_credentials_files`).
 */
import { credentialLines } from "./agent-env";
import type { PreSettings } from "./contract";
import { credentialsFileName, writeCredentialsFiles } from "./credentials-files";
import type { Readiness } from "./readiness";
import type { AwsCredentials } from "./vault-api";

export interface Obtained {
  readonly settings: PreSettings;
  readonly creds: AwsCredentials;
  readonly ready: Readiness;
  readonly obtainedAt: number;
  readonly tokenSeconds: number;
}

export const TERRAFORM_VARIABLE = "TF_VAR_tfc_vault_backed_aws_dynamic_credentials";

/** Writes the files into `dir` and returns the `KEY=value` lines for the launcher. `obtained[0]` is the default. */
export function handBack(dir: string, obtained: readonly Obtained[]): string {
  const files = writeCredentialsFiles(
    dir,
    obtained.map((o) => ({ name: credentialsFileName(o.settings.tag), credentials: o.creds })),
  );
  const fileOf = (tag: string | undefined): { shared_credentials_file: string } => ({
    shared_credentials_file: files.get(credentialsFileName(tag)) ?? "",
  });
  const [first, ...tagged] = obtained;
  // JSON is valid HCL for an object variable's TF_VAR_ value (docs/upstream-behaviour.md).
  const variable = JSON.stringify({
    default: fileOf(undefined),
    aliases: Object.fromEntries(
      tagged.map((o): [string, { shared_credentials_file: string }] => [
        o.settings.tag ?? "",
        fileOf(o.settings.tag),
      ]),
    ),
  });
  const d = first.creds;
  const vaultConfigs = [
    ...new Set(obtained.flatMap((o) => (o.settings.vaultConfig ? [o.settings.vaultConfig] : []))),
  ];
  return credentialLines([
    ...(tagged.length === 0
      ? ([
          ["AWS_ACCESS_KEY_ID", d.accessKeyId],
          ["AWS_SECRET_ACCESS_KEY", d.secretAccessKey],
          ...(d.sessionToken ? [["AWS_SESSION_TOKEN", d.sessionToken]] : []),
        ] as Array<[string, string]>)
      : [["AWS_SHARED_CREDENTIALS_FILE", fileOf(undefined).shared_credentials_file] as [string, string]]),
    [TERRAFORM_VARIABLE, variable],
    // Best effort: asks the agent to give Terraform empty workload identity tokens, so run code
    // cannot replay them (whether the agent honours this override is unconfirmed; docs/upstream-behaviour.md).
    ["TFC_WORKLOAD_IDENTITY_TOKEN", ""],
    ...vaultConfigs.map((v) => [`TFC_WORKLOAD_IDENTITY_TOKEN_${v}`, ""] as [string, string]),
  ]);
}

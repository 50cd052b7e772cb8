/**
 * `tfc:Variable`: a workspace variable (`var-...`). Its value is secret in state. A sensitive
 * variable is write-only upstream (the API returns no value), so refresh keeps the stored value
 * and a diff compares against what we last wrote: no perpetual diff.
 * API: POST|GET /workspaces/:id/vars, PATCH|DELETE /workspaces/:id/vars/:var_id; the
 * implementation is shared with variable-set variables (vars-provider.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import { withSecretOutputs } from "./secret-outputs";
import { makeVarsProvider, type VarFields, type VariableCategory } from "./vars-provider";

export type { VariableCategory };

export interface VariableArgs {
  /** Workspace (`ws-...`); changing it replaces the variable. */
  readonly workspaceId: pulumi.Input<string>;
  /** Variable name; changing it replaces the variable. */
  readonly key: pulumi.Input<string>;
  /** The value; always stored as a secret in Pulumi state. */
  readonly value: pulumi.Input<string>;
  /** `env` (process environment) or `terraform` (input variable); changing it replaces the variable. */
  readonly category: pulumi.Input<VariableCategory>;
  /** Write-only in HCP Terraform once set (default false). Turning it off replaces the variable. */
  readonly sensitive?: pulumi.Input<boolean>;
  /** Parse the value as HCL (terraform category; default false). */
  readonly hcl?: pulumi.Input<boolean>;
  readonly description?: pulumi.Input<string>;
}

export interface VariableInputs extends VarFields {
  workspaceId: string;
}

/** POST|GET /workspaces/:id/vars, PATCH|DELETE /workspaces/:id/vars/:var_id (workspace-variables.mdx). */
export const variableProvider = makeVarsProvider<VariableInputs>({
  field: "workspaceId",
  noun: "workspace",
  idHint: "a ws-... id",
  type: "pulumi-nodejs:dynamic/tfc:Variable",
  collection: (workspaceId) => `/workspaces/${encodeURIComponent(workspaceId)}/vars`,
});

export class Variable extends pulumi.dynamic.Resource {
  declare readonly workspaceId: pulumi.Output<string>;
  declare readonly key: pulumi.Output<string>;
  /** Always a secret Output. */
  declare readonly value: pulumi.Output<string>;
  declare readonly category: pulumi.Output<VariableCategory>;
  declare readonly sensitive: pulumi.Output<boolean>;
  declare readonly hcl: pulumi.Output<boolean>;
  declare readonly description: pulumi.Output<string | undefined>;

  constructor(name: string, args: VariableArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      variableProvider,
      name,
      {
        workspaceId: args.workspaceId,
        key: args.key,
        // Secret as an input too: state keeps both inputs and outputs, and values set for the
        // hooks (Vault roles, addresses) or by users are often credentials.
        value: pulumi.secret(args.value),
        category: args.category,
        sensitive: args.sensitive,
        hcl: args.hcl,
        description: args.description,
      },
      withSecretOutputs(opts, ["value"]),
      "tfc",
      "Variable",
    );
  }
}

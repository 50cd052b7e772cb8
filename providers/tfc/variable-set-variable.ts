/**
 * `tfc:VariableSetVariable`: a variable of a variable set (`var-...`). Same fields and rules as a
 * workspace `tfc:Variable` (value secret in state; a sensitive value is write-only upstream, so
 * refresh keeps the stored one). API (docs/upstream-behaviour.md "HCP Terraform API"):
 * POST|GET /varsets/:id/relationships/vars, PATCH|DELETE /varsets/:id/relationships/vars/:var_id.
 */
import * as pulumi from "@pulumi/pulumi";
import { withSecretOutputs } from "./secret-outputs";
import { makeVarsProvider, type VarFields, type VariableCategory } from "./vars-provider";

export interface VariableSetVariableArgs {
  /** Variable set (`varset-...`); changing it replaces the variable. */
  readonly variableSetId: pulumi.Input<string>;
  /** Variable name; changing it replaces the variable. */
  readonly key: pulumi.Input<string>;
  /** The value; always stored as a secret in Pulumi state. */
  readonly value: pulumi.Input<string>;
  /** `env` or `terraform`; changing it replaces the variable. */
  readonly category: pulumi.Input<VariableCategory>;
  /** Write-only in HCP Terraform once set (default false). Turning it off replaces the variable. */
  readonly sensitive?: pulumi.Input<boolean>;
  readonly hcl?: pulumi.Input<boolean>;
  readonly description?: pulumi.Input<string>;
}

export interface VariableSetVariableInputs extends VarFields {
  variableSetId: string;
}

export const variableSetVariableProvider = makeVarsProvider<VariableSetVariableInputs>({
  field: "variableSetId",
  noun: "variable set",
  idHint: "a varset-... id",
  type: "pulumi-nodejs:dynamic/tfc:VariableSetVariable",
  collection: (id) => `/varsets/${encodeURIComponent(id)}/relationships/vars`,
});

export class VariableSetVariable extends pulumi.dynamic.Resource {
  declare readonly variableSetId: pulumi.Output<string>;
  declare readonly key: pulumi.Output<string>;
  /** Always a secret Output. */
  declare readonly value: pulumi.Output<string>;
  declare readonly category: pulumi.Output<VariableCategory>;
  declare readonly sensitive: pulumi.Output<boolean>;
  declare readonly hcl: pulumi.Output<boolean>;
  declare readonly description: pulumi.Output<string | undefined>;

  constructor(name: string, args: VariableSetVariableArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      variableSetVariableProvider,
      name,
      {
        variableSetId: args.variableSetId,
        key: args.key,
        value: pulumi.secret(args.value),
        category: args.category,
        sensitive: args.sensitive,
        hcl: args.hcl,
        description: args.description,
      },
      withSecretOutputs(opts, ["value"]),
      "tfc",
      "VariableSetVariable",
    );
  }
}

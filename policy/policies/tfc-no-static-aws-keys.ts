/**
 * The point of this project is that no long-lived AWS key sits in a workspace: a workspace
 * variable named like one defeats it (and Terraform would prefer it over the hooks' credentials).
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES } from "../lib/resource-types";
import { settingsOf } from "../lib/settings";
import { text } from "../lib/values";

export interface StaticKeySettings {
  /** Variable names refused, compared case-insensitively. */
  forbiddenKeys: string[];
}

const DEFAULTS: StaticKeySettings = {
  forbiddenKeys: ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"],
};

export const tfcNoStaticAwsKeys: ResourceValidationPolicy = {
  name: "tfc-no-static-aws-keys",
  description: "No HCP Terraform workspace or variable-set variable carries a static AWS key.",
  enforcementLevel: "mandatory",
  severity: "critical",
  configSchema: {
    properties: {
      forbiddenKeys: {
        type: "array",
        items: { type: "string" },
        default: DEFAULTS.forbiddenKeys,
        description: "Workspace variable names refused (case-insensitive).",
      },
    },
  },
  validateResource: (args, reportViolation) => {
    // A variable set's variables reach every workspace it is applied to: the same rule holds.
    if (args.type !== TYPES.tfcVariable && args.type !== TYPES.tfcVariableSetVariable) return;
    const { forbiddenKeys } = settingsOf(args, DEFAULTS);
    const key = text(args.props.key) ?? "";
    if (forbiddenKeys.some((k) => k.toUpperCase() === key.toUpperCase())) {
      reportViolation(
        `${args.type === TYPES.tfcVariable ? "Workspace" : "Variable-set"} variable ${args.name} is named ${key}, a static AWS credential: remove it; runs get short-lived credentials from Vault`,
      );
    }
  },
};

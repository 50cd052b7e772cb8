/**
 * HCP Terraform gets a JWT auth mount of its own that checks the issuer. A mount holds one
 * issuer configuration: sharing the default `jwt` mount with another issuer means one of them is
 * misconfigured, and without `bound_issuer` a token's `iss` is not compared at all.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES } from "../lib/resource-types";
import { settingsOf } from "../lib/settings";
import { text } from "../lib/values";

export interface MountSettings {
  /** Mount paths considered shared (the defaults other tools configure). */
  sharedMountPaths: string[];
}

const DEFAULTS: MountSettings = { sharedMountPaths: ["jwt", "oidc"] };

const trimSlash = (s: string): string => s.replace(/\/+$/, "");

export const jwtAuthDedicatedMount: ResourceValidationPolicy = {
  name: "jwt-auth-dedicated-mount",
  description: "The JWT auth method for HCP Terraform has a dedicated mount path and a bound_issuer.",
  enforcementLevel: "mandatory",
  severity: "high",
  configSchema: {
    properties: {
      sharedMountPaths: {
        type: "array",
        items: { type: "string" },
        default: DEFAULTS.sharedMountPaths,
        description: "Mount paths treated as shared with other issuers.",
      },
    },
  },
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.jwtAuthBackend) return;
    const { sharedMountPaths } = settingsOf(args, DEFAULTS);
    const mount = `JWT auth mount ${args.name}`;
    const path = text(args.props.path);
    if (path === undefined || sharedMountPaths.includes(trimSlash(path))) {
      reportViolation(
        `${mount} uses the shared path "${path ?? "jwt"}": give HCP Terraform its own mount, e.g. path "jwt-tfc"`,
      );
    }
    const issuer = text(args.props.boundIssuer);
    if (issuer === undefined) {
      reportViolation(
        `${mount} sets no boundIssuer: set it to the HCP Terraform address, e.g. https://app.terraform.io`,
      );
      return;
    }
    const discovery = text(args.props.oidcDiscoveryUrl);
    if (discovery !== undefined && trimSlash(discovery) !== trimSlash(issuer)) {
      reportViolation(
        `${mount} trusts keys from ${discovery} but checks issuer ${issuer}: both must be the HCP Terraform address`,
      );
    }
  },
};

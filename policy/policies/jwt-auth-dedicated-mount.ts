/**
 * HCP Terraform gets a JWT auth mount of its own that checks the issuer. A mount holds one
 * issuer configuration: sharing the default `jwt` mount with another issuer means one of them is
 * misconfigured, and without `bound_issuer` a token's `iss` is not compared at all.
 *
 * The keys must be the issuer's too: `bound_issuer` only compares a claim the signer writes, so a
 * mount that takes its keys from elsewhere (a `jwks_url` or `jwks_pairs` URL other than
 * `<issuer>/.well-known/jwks`, or static `jwt_validation_pubkeys`) accepts any token whoever holds
 * those keys signs with `iss` set to HCP Terraform.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES } from "../lib/resource-types";
import { settingsOf } from "../lib/settings";
import { jsonObject, text, texts } from "../lib/values";

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
    const jwks = `${trimSlash(issuer)}/.well-known/jwks`;
    const pairs = Array.isArray(args.props.jwksPairs) ? (args.props.jwksPairs as unknown[]) : [];
    const pairUrls = pairs
      .map((p) => jsonObject(p) ?? {})
      .map((p) => text(p.jwks_url) ?? text(p.jwksUrl) ?? "");
    for (const url of [text(args.props.jwksUrl), ...pairUrls].filter((u) => u !== undefined)) {
      if (trimSlash(url) !== jwks) {
        reportViolation(
          `${mount} trusts keys from ${url === "" ? "a JWKS pair without a URL" : url} but checks issuer ${issuer}: take the keys from ${jwks} (or set oidcDiscoveryUrl to ${trimSlash(issuer)})`,
        );
      }
    }
    if (texts(args.props.jwtValidationPubkeys).length > 0) {
      reportViolation(
        `${mount} trusts static jwtValidationPubkeys: whoever holds those keys can sign tokens for issuer ${issuer}; set oidcDiscoveryUrl to ${trimSlash(issuer)} instead`,
      );
    }
  },
};

/**
 * A run's Vault token must expire on its own soon after the phase: if a post hook never runs
 * (agent killed, run cancelled) the TTL is the only bound. Unset TTLs fall back to the mount's
 * or Vault's default (32 days).
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES } from "../lib/resource-types";
import { settingsOf } from "../lib/settings";
import { seconds, ttlNotSeconds } from "../lib/values";

export interface TokenTtlSettings {
  /** Longest token_ttl / token_max_ttl accepted, in seconds. */
  maxTokenTtlSeconds: number;
}

const DEFAULTS: TokenTtlSettings = { maxTokenTtlSeconds: 3600 };

export const jwtRoleTokenTtl: ResourceValidationPolicy = {
  name: "jwt-role-token-ttl",
  description: "Vault JWT roles set token_ttl and token_max_ttl, within the configured limit.",
  enforcementLevel: "mandatory",
  severity: "high",
  configSchema: {
    properties: {
      maxTokenTtlSeconds: {
        type: "integer",
        minimum: 60,
        default: DEFAULTS.maxTokenTtlSeconds,
        description: "Longest token_ttl and token_max_ttl accepted, in seconds.",
      },
    },
  },
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.jwtAuthBackendRole || args.props.roleType !== "jwt") return;
    const { maxTokenTtlSeconds: limit } = settingsOf(args, DEFAULTS);
    const ttl = seconds(args.props.tokenTtl);
    const maxTtl = seconds(args.props.tokenMaxTtl);
    const role = `JWT role ${args.name}`;
    for (const [field, value] of [
      ["tokenTtl", ttl],
      ["tokenMaxTtl", maxTtl],
    ] as const) {
      if (value === undefined) {
        reportViolation(
          ttlNotSeconds(role, field, args.props[field], `at most ${limit} seconds`) ??
            `${role} leaves ${field} unset, so tokens live as long as the mount allows: set it to at most ${limit} seconds`,
        );
      } else if (value > limit) {
        reportViolation(`${role} sets ${field} to ${value} seconds, above the limit of ${limit}: lower it`);
      }
    }
    if (ttl !== undefined && maxTtl !== undefined && ttl > maxTtl) {
      reportViolation(`${role} sets tokenTtl (${ttl}) above tokenMaxTtl (${maxTtl}): lower tokenTtl`);
    }
  },
};

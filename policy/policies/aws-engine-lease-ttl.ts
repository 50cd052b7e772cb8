/**
 * The AWS secrets engine's lease TTLs bound how long issued credentials live when nobody revokes
 * them. Unset, Vault falls back to its system default (32 days).
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES } from "../lib/resource-types";
import { settingsOf } from "../lib/settings";
import { seconds, ttlNotSeconds } from "../lib/values";

export interface LeaseTtlSettings {
  /** Longest default and maximum lease TTL accepted, in seconds. */
  maxLeaseTtlSeconds: number;
}

const DEFAULTS: LeaseTtlSettings = { maxLeaseTtlSeconds: 3600 };

export const awsEngineLeaseTtl: ResourceValidationPolicy = {
  name: "aws-engine-lease-ttl",
  description:
    "The Vault AWS secrets engine sets default and maximum lease TTLs within the configured limit.",
  enforcementLevel: "mandatory",
  severity: "high",
  configSchema: {
    properties: {
      maxLeaseTtlSeconds: {
        type: "integer",
        minimum: 60,
        default: DEFAULTS.maxLeaseTtlSeconds,
        description: "Longest default and maximum lease TTL accepted, in seconds.",
      },
    },
  },
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.awsSecretBackend) return;
    const { maxLeaseTtlSeconds: limit } = settingsOf(args, DEFAULTS);
    const engine = `AWS secrets engine ${args.name}`;
    const ttl = seconds(args.props.defaultLeaseTtlSeconds);
    const maxTtl = seconds(args.props.maxLeaseTtlSeconds);
    for (const [field, value] of [
      ["defaultLeaseTtlSeconds", ttl],
      ["maxLeaseTtlSeconds", maxTtl],
    ] as const) {
      if (value === undefined) {
        reportViolation(
          ttlNotSeconds(engine, field, args.props[field], `at most ${limit} seconds`) ??
            `${engine} leaves ${field} unset, so credentials fall back to Vault's 32-day default: set it to at most ${limit}`,
        );
      } else if (value > limit) {
        reportViolation(`${engine} sets ${field} to ${value} seconds, above the limit of ${limit}: lower it`);
      }
    }
    if (ttl !== undefined && maxTtl !== undefined && ttl > maxTtl) {
      reportViolation(
        `${engine} sets defaultLeaseTtlSeconds (${ttl}) above maxLeaseTtlSeconds (${maxTtl}): lower the default`,
      );
    }
  },
};

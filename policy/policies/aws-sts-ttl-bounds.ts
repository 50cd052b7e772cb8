/**
 * STS credentials cannot be revoked early: their TTL is the only bound on exposure. AWS refuses
 * durations under 900 seconds, so a lower TTL fails every run; a long one keeps credentials
 * alive long after the phase. Both TTLs must be set, in seconds: unset, the lifetime is Vault's
 * or AWS's default (up to 12 hours for session_token), and a value with units (`"1h"`) is not
 * one this policy (or the provider, which takes a number) can read.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES } from "../lib/resource-types";
import { settingsOf } from "../lib/settings";
import { seconds, text, ttlNotSeconds } from "../lib/values";

/** The shortest duration AWS STS issues. */
export const STS_MINIMUM_SECONDS = 900;

export interface StsTtlSettings {
  /** Longest default/maximum STS TTL accepted, in seconds. */
  maxStsTtlSeconds: number;
}

const DEFAULTS: StsTtlSettings = { maxStsTtlSeconds: 3600 };
const STS_TYPES = ["assumed_role", "federation_token", "session_token"];

export const awsStsTtlBounds: ResourceValidationPolicy = {
  name: "aws-sts-ttl-bounds",
  description:
    "Vault AWS roles issuing STS credentials set TTLs of at least 900 s and within the configured limit.",
  enforcementLevel: "mandatory",
  severity: "high",
  configSchema: {
    properties: {
      maxStsTtlSeconds: {
        type: "integer",
        minimum: STS_MINIMUM_SECONDS,
        default: DEFAULTS.maxStsTtlSeconds,
        description: "Longest default and maximum STS TTL accepted, in seconds.",
      },
    },
  },
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.awsSecretBackendRole) return;
    if (!STS_TYPES.includes(text(args.props.credentialType) ?? "iam_user")) return;
    const { maxStsTtlSeconds: limit } = settingsOf(args, DEFAULTS);
    const role = `AWS role ${args.name}`;
    const ttl = seconds(args.props.defaultStsTtl);
    const maxTtl = seconds(args.props.maxStsTtl);
    for (const [field, value] of [
      ["defaultStsTtl", ttl],
      ["maxStsTtl", maxTtl],
    ] as const) {
      if (value === undefined) {
        reportViolation(
          ttlNotSeconds(role, field, args.props[field], `${STS_MINIMUM_SECONDS} to ${limit} seconds`) ??
            `${role} leaves ${field} unset, so its credentials live as long as Vault's or AWS's default (up to 12 hours, and they cannot be revoked early): set it to ${STS_MINIMUM_SECONDS} to ${limit} seconds`,
        );
      } else if (value < STS_MINIMUM_SECONDS) {
        reportViolation(
          `${role} sets ${field} to ${value} seconds, below the STS minimum of ${STS_MINIMUM_SECONDS}: AWS would refuse every request; raise it`,
        );
      } else if (value > limit) {
        reportViolation(
          `${role} sets ${field} to ${value} seconds, above the limit of ${limit} (STS credentials cannot be revoked early): lower it`,
        );
      }
    }
    if (ttl !== undefined && maxTtl !== undefined && ttl > maxTtl) {
      reportViolation(`${role} sets defaultStsTtl (${ttl}) above maxStsTtl (${maxTtl}): lower defaultStsTtl`);
    }
  },
};

/**
 * A dev-like Vault-side stack configuration for the tests, read through the real ConfigReader
 * and readVaultSide, so the components are exercised with what index.ts will pass them.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigReader, memorySource } from "../../config/reader";
import { readVaultSide, type VaultSide } from "../../config/vault";

export const DEV_CONFIG: Readonly<Record<string, string | number | boolean | object>> = {
  vaultAddress: "https://vault.example.com:8200",
  tfcOrganization: "acme",
  tfcProject: "Platform Team",
  tfcWorkspace: "network-prod",
  jwtAudience: "vault.workload.identity",
};

export const ROOT_ACCESS_KEY = "AKIAEXAMPLEROOTKEY01";
export const ROOT_SECRET_KEY = "root-secret-key-never-in-plaintext";

/** A reader over `values` (merged onto DEV_CONFIG); `secrets` are only readable as secrets. */
export function readerFor(
  values: Readonly<Record<string, string | number | boolean | object>> = {},
  secrets: readonly string[] = [],
): ConfigReader {
  return new ConfigReader(memorySource({ ...DEV_CONFIG, ...values }, (v) => pulumi.secret(v), secrets));
}

/** The validated Vault side for `values`; throws the collected problems like index.ts would. */
export function vaultSide(
  values: Readonly<Record<string, string | number | boolean | object>> = {},
  secrets: readonly string[] = [],
): VaultSide {
  const r = readerFor(values, secrets);
  const side = readVaultSide(r);
  r.throwIfInvalid();
  return side;
}

export const WITH_ROOT_KEYS = {
  values: { awsRootAccessKey: ROOT_ACCESS_KEY, awsRootSecretKey: ROOT_SECRET_KEY },
  secrets: ["awsRootAccessKey", "awsRootSecretKey"],
};

/**
 * The dev stack's configuration as `pulumi up -s dev` would hand it to the program: the defaults
 * declared in Pulumi.yaml, overridden by Pulumi.dev.yaml, plus the secrets a user sets with
 * `pulumi config set --secret`. Also records which keys the program asked for.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { load } from "js-yaml";
import { memorySource, type ConfigSource } from "../../config/reader";

export const ROOT = path.resolve(__dirname, "../..");
const NS = "tfc-jit-aws";

type Value = string | number | boolean | object;

interface ProjectFile {
  config: Record<string, { type: string; default?: Value }>;
}
interface StackFile {
  config: Record<string, Value>;
}

/** Declared keys of the project namespace and their defaults (undefined = required). */
export function declaredKeys(): Map<string, Value | undefined> {
  const project = load(readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as ProjectFile;
  return new Map(Object.entries(project.config).map(([k, v]) => [k.replace(`${NS}:`, ""), v.default]));
}

/** The dev stack file's values for the project namespace. */
export function devStackValues(): Record<string, Value> {
  const stack = load(readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8")) as StackFile;
  return Object.fromEntries(
    Object.entries(stack.config)
      .filter(([k]) => k.startsWith(`${NS}:`))
      .map(([k, v]) => [k.slice(NS.length + 1), v]),
  );
}

/**
 * What a user sets with `pulumi config set` before the first `pulumi up` (Pulumi.dev.yaml says how:
 * `docker buildx imagetools inspect ...`): the base images' digests. Test stand-ins, not real
 * digests; the stack file ships none.
 */
export const USER_SET = {
  tfcAgentDigest: `sha256:${"7f".repeat(32)}`,
  nodeImageDigest: `sha256:${"3c".repeat(32)}`,
} as const;

export const SECRETS = {
  awsRootAccessKey: "AKIAEXAMPLEROOTKEY01",
  awsRootSecretKey: "root-secret-key-never-in-plaintext",
} as const;

export interface RecordingSource extends ConfigSource {
  readonly asked: Set<string>;
}

/**
 * Pulumi.yaml defaults + Pulumi.dev.yaml + `overrides` (null removes a key) + secrets. Secret keys
 * are only readable through getSecret, as with `pulumi config set --secret`.
 */
export function devSource(
  overrides: Readonly<Record<string, Value | null>> = {},
  secrets: Readonly<Record<string, string>> = SECRETS,
): RecordingSource {
  const values: Record<string, Value> = {};
  for (const [k, v] of declaredKeys()) if (v !== undefined) values[k] = v;
  Object.assign(values, devStackValues(), USER_SET, secrets);
  for (const [k, v] of Object.entries(overrides)) {
    if (v === null) delete values[k];
    else values[k] = v;
  }
  const inner = memorySource(values, (v) => pulumi.secret(v), Object.keys(secrets));
  const asked = new Set<string>();
  return {
    asked,
    get: (key) => (asked.add(key), inner.get(key)),
    getSecret: (key) => (asked.add(key), inner.getSecret(key)),
  };
}

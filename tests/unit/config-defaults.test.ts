/**
 * The defaults a user reads in Pulumi.yaml (and the README's table made from it) are the ones the
 * code applies. Every other test loads the YAML's defaults, so a different fallback in code would
 * never be seen there; here each key is read twice, once unset (the code's fallback applies) and
 * once set to the YAML's default, and the two readings must be the same configuration. Both the
 * main project and the consumer project, every key that declares a default.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { load } from "js-yaml";
import { readStackConfig } from "../../config";
import { ConfigErrors } from "../../config/errors";
import { type ConfigSource, memorySource } from "../../config/reader";
import { CONSUMER_NAMESPACE, readConsumerSettings } from "../../consumer/settings";
import { ROOT, USER_SET, devStackValues } from "../program/dev-stack";

type Value = string | number | boolean | object;

/** `key -> default` for every key of `namespace` that Pulumi.yaml at `file` gives a default. */
function yamlDefaults(file: string, namespace: string): Map<string, Value> {
  const project = load(readFileSync(file, "utf8")) as {
    config: Record<string, { default?: Value }>;
  };
  const defaults = new Map<string, Value>();
  for (const [key, spec] of Object.entries(project.config)) {
    if (spec.default !== undefined) defaults.set(key.replace(`${namespace}:`, ""), spec.default);
  }
  return defaults;
}

/** A plain source over `values` that records which keys the reader asked for. */
function recording(values: Record<string, Value>, asked: Set<string>): ConfigSource {
  const inner = memorySource(values, (v) => pulumi.secret(v));
  return {
    get: (key) => (asked.add(key), inner.get(key)),
    getSecret: (key) => (asked.add(key), inner.getSecret(key)),
  };
}

/** What a reading produced: the configuration, or the problems it reported. */
function outcome(read: () => unknown): unknown {
  try {
    return { config: read() };
  } catch (err) {
    if (err instanceof ConfigErrors) return { problems: err.errors.map((e) => e.message) };
    throw err;
  }
}

/**
 * For each key with a YAML default: the configuration read from `base` without the key equals
 * the one read with the key set to that default. `contexts` are extra settings under which keys
 * that are only read in some set-ups (STS lifetimes, autoscaling) are read; every key must be
 * read in at least one of them, so no key passes by never being looked at.
 */
function assertDefaultsAgree(
  defaults: Map<string, Value>,
  base: Record<string, Value>,
  contexts: ReadonlyArray<Record<string, Value>>,
  read: (source: ConfigSource) => unknown,
): void {
  const disagreements: string[] = [];
  const neverRead = new Set(defaults.keys());
  for (const context of contexts) {
    // Compared as configurations, not as lists of the same unrelated problems.
    const valid = outcome(() => read(recording({ ...base, ...context }, new Set())));
    assert.ok(valid && typeof valid === "object" && "config" in valid, `invalid: ${JSON.stringify(valid)}`);
    for (const [key, yamlDefault] of defaults) {
      if (key in context) continue; // the context fixes this key's value
      const unset: Record<string, Value> = { ...base, ...context };
      delete unset[key];
      const asked = new Set<string>();
      const codeDefault = outcome(() => read(recording(unset, asked)));
      if (!asked.has(key)) continue;
      neverRead.delete(key);
      const declared = outcome(() => read(recording({ ...unset, [key]: yamlDefault }, new Set())));
      try {
        assert.deepStrictEqual(codeDefault, declared);
      } catch {
        disagreements.push(
          `${key} (context ${JSON.stringify(context)}): unset reads differently from Pulumi.yaml's default ${JSON.stringify(yamlDefault)}`,
        );
      }
    }
  }
  assert.deepEqual(disagreements, [], "the code's default differs from Pulumi.yaml's");
  assert.deepEqual([...neverRead], [], "keys with a declared default that no context reads");
}

describe("config defaults: code and Pulumi.yaml agree", () => {
  it("for every key of the main project", () => {
    const defaults = yamlDefaults(path.join(ROOT, "Pulumi.yaml"), "tfc-jit-aws");
    assert.ok(defaults.size > 50, `only ${defaults.size} keys with defaults found`);
    // The dev stack without its optional settings: only what has no default (and the VCS
    // connection, one of two keys that must be set), so every other default is the code's to apply.
    const dev = devStackValues();
    const base = {
      ...Object.fromEntries(
        Object.entries(dev).filter(
          ([key]) => !defaults.has(key) || key === "vcsOauthTokenId" || key === "vaultAddress",
        ),
      ),
      // Required whenever the image is built, which the dev stack does (Pulumi.dev.yaml says how to set them).
      ...USER_SET,
    };
    const sts = {
      planCredentialType: "assumed_role",
      applyCredentialType: "assumed_role",
      planRoleArns: ["arn:aws:iam::123456789012:role/tfc-plan"],
      applyRoleArns: ["arn:aws:iam::123456789012:role/tfc-apply"],
    };
    assertDefaultsAgree(
      defaults,
      base,
      [{}, sts, { agentRuntime: "docker" }, { agentMaxCount: 6 }],
      (source) => readStackConfig(source),
    );
  });

  it("for every key of the consumer project", () => {
    const defaults = yamlDefaults(path.join(ROOT, "consumer", "Pulumi.yaml"), CONSUMER_NAMESPACE);
    assert.ok(defaults.size >= 6, `only ${defaults.size} keys with defaults found`);
    assertDefaultsAgree(
      defaults,
      { producerStack: "acme/tfc-jit-aws/dev" },
      [{}, { credentialType: "sts" }],
      (source) => readConsumerSettings(source),
    );
  });

  it("would see a code default that drifts from Pulumi.yaml (the check itself can fail)", () => {
    const defaults = new Map<string, Value>([["agentCount", 97]]);
    const base: Record<string, Value> = { ...devStackValues(), ...USER_SET };
    delete base.agentCount;
    assert.throws(
      () => assertDefaultsAgree(defaults, base, [{}], (source) => readStackConfig(source)),
      /agentCount .*Pulumi\.yaml.s default 97/,
    );
  });
});

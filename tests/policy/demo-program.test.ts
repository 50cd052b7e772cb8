/**
 * The program with `vaultMode: demo` against every mandatory policy of the pack, as
 * dev-program.test.ts does for the external mode: the demo Vault (its TLS key, KMS key, instance,
 * VaultInit and the Vault provider built from it) must not need an exception.
 */
import * as assert from "node:assert/strict";
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { policies } from "../../policy/policies";
import { readStackConfig } from "../../config";
import { createStack } from "../../stack";
import { useAgentMocks } from "../agent/fixtures";
import { ROOT, devSource } from "../program/dev-stack";
import { allRegistered, plain, recorder } from "../support/pulumi-mocks";
import { recordSecretOutputs, registrationKey } from "../support/secret-outputs";
import { DEMO_OVERRIDES, useDemoVaultMocks } from "../vault/demo-vault-fixtures";
import { type FixtureResource, stackViolations, violations } from "./harness";

const mandatory = policies.filter((p) => p.enforcementLevel === "mandatory");
const resourcePolicies = mandatory.filter((p): p is ResourceValidationPolicy => "validateResource" in p);
const stackPolicies = mandatory.filter((p): p is StackValidationPolicy => "validateStack" in p);

describe("the program with the demo Vault against the policy pack", () => {
  useAgentMocks();
  useDemoVaultMocks();
  const secretOutputs = recordSecretOutputs();
  let analyzed: FixtureResource[] = [];

  beforeEach(async () => {
    createStack(readStackConfig(devSource(DEMO_OVERRIDES)), { contextDir: ROOT });
    await allRegistered();
    analyzed = recorder.resources
      .filter((r) => r.custom)
      .map((r) => ({
        type: r.type,
        name: r.name,
        props: plain(r.inputs) as Record<string, unknown>,
        additionalSecretOutputs: secretOutputs.get(registrationKey(r.type, r.name)) ?? [],
      }));
  });

  it("registers the demo Vault (so passing is not vacuous)", () => {
    assert.ok(analyzed.some((r) => r.type === "pulumi-nodejs:dynamic/vault:VaultInit"));
    assert.ok(analyzed.some((r) => r.type === "aws:ec2/instance:Instance"));
  });

  it("passes every mandatory resource and stack policy", async () => {
    const found: string[] = [];
    for (const r of analyzed) {
      for (const p of resourcePolicies) {
        for (const message of await violations(p, r))
          found.push(`${p.name} on ${r.type} ${r.name}: ${message}`);
      }
    }
    for (const p of stackPolicies) {
      for (const v of await stackViolations(p, analyzed)) found.push(`${p.name}: ${v.message}`);
    }
    assert.deepEqual(found, []);
  });
});

import * as assert from "node:assert/strict";
import { secretsStaySecret } from "../../policy/policies/secrets-stay-secret";
import { agentImage, agentToken, awsSecretBackend, sensitiveVariable } from "./fixtures";
import { type FixtureResource, mutate, violations } from "./harness";

const without = (r: FixtureResource): FixtureResource => ({ ...r, additionalSecretOutputs: [] });

const awsProvider: FixtureResource = {
  type: "pulumi:providers:aws",
  name: "consumer-aws",
  props: { region: "us-east-1", accessKey: "AKIAEXAMPLE", secretKey: "s", token: "t" },
  additionalSecretOutputs: ["accessKey", "secretKey", "token"],
};

describe("policy secrets-stay-secret", () => {
  it("passes the agent token, a sensitive variable, root keys, provider keys and a registry password marked secret", async () => {
    for (const r of [agentToken, sensitiveVariable, awsSecretBackend, awsProvider, agentImage]) {
      assert.deepEqual(await violations(secretsStaySecret, r), [], r.type);
    }
  });
  it("refuses an agent token not marked as a secret output", async () => {
    assert.deepEqual(await violations(secretsStaySecret, without(agentToken)), [
      'pool-token (pulumi-nodejs:dynamic/tfc:AgentToken) would store token in plaintext state: add "token" to additionalSecretOutputs',
    ]);
  });
  it("refuses a sensitive variable whose value is not secret, and ignores non-sensitive ones", async () => {
    assert.match(
      (await violations(secretsStaySecret, without(sensitiveVariable))).join("\n"),
      /would store value in plaintext/,
    );
    const plainVariable = mutate(without(sensitiveVariable), { sensitive: false });
    assert.deepEqual(await violations(secretsStaySecret, plainVariable), []);
  });
  it("refuses root keys that are not secret", async () => {
    assert.deepEqual(
      await violations(secretsStaySecret, { ...awsSecretBackend, additionalSecretOutputs: ["accessKey"] }),
      [
        'engine-backend (vault:aws/secretBackend:SecretBackend) would store secretKey in plaintext state: add "secretKey" to additionalSecretOutputs',
      ],
    );
  });
  it("asks nothing of an engine without root keys (Vault's ambient credentials)", async () => {
    const ambient = mutate(without(awsSecretBackend), { accessKey: undefined, secretKey: undefined });
    assert.deepEqual(await violations(secretsStaySecret, ambient), []);
  });
  it("refuses an aws provider given static keys in plaintext", async () => {
    assert.match(
      (await violations(secretsStaySecret, without(awsProvider))).join("\n"),
      /would store accessKey, secretKey, token in plaintext state/,
    );
  });
  it("refuses a registry password in plaintext", async () => {
    assert.match(
      (await violations(secretsStaySecret, without(agentImage))).join("\n"),
      /would store registry in plaintext/,
    );
  });
});

import * as assert from "node:assert/strict";
import { secretsStaySecret } from "../../policy/policies/secrets-stay-secret";
import { agentContainer, agentImage, agentToken, awsSecretBackend, sensitiveVariable } from "./fixtures";
import { type FixtureResource, mutate, violations } from "./harness";

const without = (r: FixtureResource): FixtureResource => ({ ...r, additionalSecretOutputs: [] });

const awsProvider: FixtureResource = {
  type: "pulumi:providers:aws",
  name: "consumer-aws",
  props: { region: "us-east-1", accessKey: "AKIAEXAMPLE", secretKey: "s", token: "t" },
  additionalSecretOutputs: ["accessKey", "secretKey", "token"],
};

const ssmToken: FixtureResource = {
  type: "aws:ssm/parameter:Parameter",
  name: "pool-token",
  props: { type: "SecureString", value: "agent-token" },
  additionalSecretOutputs: ["value", "valueWo"],
};
const registrySecret: FixtureResource = {
  type: "aws:secretsmanager/secretVersion:SecretVersion",
  name: "pool-registry",
  props: { secretId: "arn:aws:secretsmanager:us-east-1:123456789012:secret:r", secretString: "{}" },
  additionalSecretOutputs: ["secretBinary", "secretString", "secretStringWo"],
};
const dockerAgent: FixtureResource = { ...agentContainer, additionalSecretOutputs: ["envs"] };

describe("policy secrets-stay-secret", () => {
  it("passes the agent token, a sensitive variable, root keys, provider keys and a registry password marked secret", async () => {
    for (const r of [
      agentToken,
      sensitiveVariable,
      awsSecretBackend,
      awsProvider,
      agentImage,
      ssmToken,
      registrySecret,
      dockerAgent,
    ]) {
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
  it("refuses an agent container whose env (holding the token) is not secret", async () => {
    assert.deepEqual(await violations(secretsStaySecret, without(dockerAgent)), [
      'pool-agent-0 (docker:index/container:Container) would store envs in plaintext state: add "envs" to additionalSecretOutputs',
    ]);
    const noToken = mutate(without(dockerAgent), { envs: ["TFC_AGENT_SINGLE=true"] });
    assert.deepEqual(await violations(secretsStaySecret, noToken), []);
  });
  it("refuses an SSM SecureString or a Secrets Manager value that is not secret", async () => {
    assert.match(
      (await violations(secretsStaySecret, without(ssmToken))).join("\n"),
      /would store value in plaintext/,
    );
    assert.deepEqual(await violations(secretsStaySecret, mutate(without(ssmToken), { type: "String" })), []);
    assert.match(
      (await violations(secretsStaySecret, without(registrySecret))).join("\n"),
      /would store secretString in plaintext/,
    );
  });
});

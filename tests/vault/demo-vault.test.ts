/**
 * The whole program with `vaultMode: demo`, under Pulumi mocks: the demo Vault sits in the agents'
 * VPC and subnet, admits port 8200 only from the agents' security group and the operator's CIDRs,
 * auto-unseals with a KMS key its role may only use for that, runs the official image by digest,
 * keeps every secret marked secret, and every Vault resource of the program goes through a
 * provider built from its outputs, while the hooks get its private address and CA.
 */
import { strict as assert } from "node:assert";
import {
  allRegistered,
  isSecretInput,
  outputIsSecret,
  plain,
  recorder,
  valueOf,
} from "../support/pulumi-mocks";
import { readStackConfig } from "../../config";
import { createStack, type StackOutputs } from "../../stack";
import { T, resourcesLeaking, useAgentMocks } from "../agent/fixtures";
import { ROOT, devSource } from "../program/dev-stack";
import {
  CA_PEM,
  D,
  DEMO_OVERRIDES,
  IMAGE,
  KEY_ARN,
  OPERATOR,
  PRIVATE_KEY,
  RECOVERY,
  TOKEN,
  useDemoVaultMocks,
} from "./demo-vault-fixtures";

function build(overrides: Record<string, unknown> = {}): StackOutputs {
  return createStack(readStackConfig(devSource({ ...DEMO_OVERRIDES, ...overrides })), { contextDir: ROOT });
}

function securityGroup(name: string) {
  return recorder.one(T.securityGroup, name).inputs as {
    vpcId: string;
    ingress: { fromPort: number; toPort: number; cidrBlocks?: string[]; securityGroups?: string[] }[];
    egress: { fromPort: number; cidrBlocks?: string[] }[];
  };
}

describe("DemoVault (vaultMode demo) in the whole program", () => {
  useAgentMocks();
  useDemoVaultMocks();

  it("sits in the agents' VPC and first subnet, reachable on 8200 only from the agents' group and the operator", async () => {
    build();
    await allRegistered();
    assert.equal(recorder.ofType(D.component).length, 1);
    const agents = securityGroup("agents-ecs-net-agents");
    const vaultSg = recorder.one(T.securityGroup, "demo-vault-sg").inputs;
    assert.equal(vaultSg.vpcId, agents.vpcId);
    assert.equal(vaultSg.vpcId, "agents-ecs-net-vpc-id");
    assert.equal(vaultSg.ingress, undefined, "no inline rules");
    assert.equal(vaultSg.egress, undefined, "no inline rules");
    assert.equal(recorder.one(D.eni).inputs.subnetId, "agents-ecs-net-public-0-id");
    const rules = (type: string) =>
      recorder.ofType(type).map((r) => {
        const i = r.inputs;
        assert.equal(i.securityGroupId, "demo-vault-sg-id");
        return [i.ipProtocol, i.fromPort, i.toPort, i.referencedSecurityGroupId ?? i.cidrIpv4];
      });
    assert.deepEqual(rules(D.ingressRule), [
      ["tcp", 8200, 8200, OPERATOR[0]],
      ["tcp", 8200, 8200, "agents-ecs-net-agents-id"],
    ]);
    assert.deepEqual(rules(D.egressRule), [["tcp", 443, 443, "0.0.0.0/0"]], "outbound HTTPS only");
    assert.deepEqual(
      [...new Set(agents.egress.map((r) => r.fromPort))].sort(),
      [443, 8200],
      "the agents may reach the demo Vault's port",
    );
  });

  it("admits the agents only after VaultInit: a run cannot initialize the node first", async () => {
    build();
    await allRegistered();
    const order = recorder.resources.map((r) => `${r.type}::${r.name}`);
    const init = order.indexOf(`${D.init}::demo-vault-init`);
    const agentsRule = order.indexOf(`${D.ingressRule}::demo-vault-agents`);
    const operatorRule = order.indexOf(`${D.ingressRule}::demo-vault-operator-0`);
    assert.ok(init >= 0 && agentsRule > init, "the agents' rule registers after VaultInit");
    assert.ok(operatorRule >= 0 && operatorRule < init, "the operator's rule exists before it");
  });

  it("auto-unseals with its own KMS key, which its role may only use for that; storage is encrypted with it", async () => {
    build();
    await allRegistered();
    const policy = JSON.parse(String(plain(recorder.one(T.rolePolicy, "demo-vault-role").inputs.policy))) as {
      Statement: { Action: string[]; Resource: string[] }[];
    };
    assert.deepEqual(
      policy.Statement.map((s) => [s.Action, s.Resource]),
      [
        [["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"], [KEY_ARN]],
        [["ssm:GetParameter"], ["arn:aws:ssm:us-east-1:123456789012:parameter/demo-vault-tls-key"]],
      ],
    );
    const volume = recorder.one(D.volume).inputs;
    assert.equal(volume.encrypted, true);
    assert.equal(volume.kmsKeyId, KEY_ARN);
    const instance = recorder.one(D.instance).inputs as Record<string, Record<string, unknown> | string>;
    assert.equal((instance.rootBlockDevice as Record<string, unknown>).encrypted, true);
    assert.equal((instance.metadataOptions as Record<string, unknown>).httpTokens, "required");
    const userData = String(plain(instance.userData));
    assert.match(userData, /seal "awskms" \{\n {2}region {5}= "us-east-1"\n {2}kms_key_id = "demo-key"/);
    assert.match(userData, /storage "raft"/);
    assert.ok(userData.includes(` ${IMAGE} server`), "runs the official image by digest");
    assert.ok(!userData.includes("PRIVATE KEY"), "the TLS key is not in user data");
  });

  it("keeps every secret secret: TLS key, token and recovery keys", async () => {
    const outputs = build();
    await allRegistered();
    for (const secret of [PRIVATE_KEY, TOKEN, ...RECOVERY]) {
      assert.deepEqual(resourcesLeaking(secret), [], `${secret.slice(0, 20)} in plain text`);
    }
    assert.ok(isSecretInput(recorder.one(T.ssmParam, "demo-vault-tls-key").inputs.value));
    assert.ok(isSecretInput(recorder.one(D.vaultProvider, "demo-vault").inputs.token));
    assert.ok(await outputIsSecret(outputs.demoVaultRecoveryKeys!));
    assert.deepEqual(await valueOf(outputs.demoVaultRecoveryKeys!), RECOVERY);
  });

  it("every Vault resource goes through the demo Vault's provider; the hooks get its private address and CA", async () => {
    build();
    await allRegistered();
    const provider = recorder.one(D.vaultProvider, "demo-vault");
    assert.equal(provider.inputs.address, "https://198.51.100.20:8200");
    assert.equal(String(provider.inputs.skipTlsVerify), "false");
    const vaultResources = recorder.resources.filter((r) => r.type.startsWith("vault:"));
    assert.ok(vaultResources.length >= 6);
    for (const r of vaultResources) {
      assert.match(r.provider ?? "", /::pulumi:providers:vault::demo-vault::/, `${r.type} ${r.name}`);
    }
    const init = recorder.one(D.init).inputs;
    assert.equal(init.address, "https://198.51.100.20:8200");
    assert.equal(init.caCertPem, CA_PEM);
    assert.match(String(init.policyHcl), /path "sys\/mounts\/aws"/);
    const vars = Object.fromEntries(
      recorder.ofType(T.variable).map((v) => [String(v.inputs.key), plain(v.inputs.value)]),
    );
    assert.equal(vars.TFC_VAULT_ADDR, "https://10.42.0.10:8200");
    assert.equal(vars.TFC_VAULT_ENCODED_CACERT, Buffer.from(CA_PEM).toString("base64"));
  });

  it("the external mode builds no demo Vault and keeps the default Vault provider", async () => {
    createStack(readStackConfig(devSource()), { contextDir: ROOT });
    await allRegistered();
    assert.equal(recorder.ofType(D.component).length, 0);
    assert.equal(recorder.ofType(D.vaultProvider).length, 0);
  });
});

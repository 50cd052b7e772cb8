/**
 * Validation of the keys that say where agents connect from (agentFixedEgress,
 * agentEgressAddresses) and of the token TTL against the phase timeout: each problem names its key
 * and the fix, and nothing else is reported.
 */
import { strict as assert } from "node:assert";
import { ConfigErrors, type ConfigError } from "../../config/errors";
import { readStackConfig } from "../../config";
import { devSource } from "../program/dev-stack";

type Value = string | number | boolean | object | null;

function problems(change: Record<string, Value>): ConfigError[] {
  try {
    readStackConfig(devSource(change));
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigErrors, String(err));
    return [...err.errors];
  }
}

const EXISTING = { agentVpcId: "vpc-0a", agentSubnetIds: ["subnet-0a"] };

const CASES: { name: string; change: Record<string, Value>; key: string; problem: RegExp; fix: RegExp }[] = [
  {
    name: "fixed egress in an existing VPC",
    change: { ...EXISTING, agentFixedEgress: true },
    key: "agentFixedEgress",
    problem: /only in the VPC it creates/,
    fix: /agentEgressAddresses and pulumi config rm tfc-jit-aws:agentFixedEgress/,
  },
  {
    name: "fixed egress with the docker runtime",
    change: { agentRuntime: "docker", agentFixedEgress: true },
    key: "agentFixedEgress",
    problem: /agentRuntime is docker/,
    fix: /Docker host's egress addresses in tfc-jit-aws:agentEgressAddresses/,
  },
  {
    name: "fixed egress with public IPs forced on",
    change: { agentFixedEgress: true, agentAssignPublicIp: "true" },
    key: "agentAssignPublicIp",
    problem: /private subnets/,
    fix: /agentAssignPublicIp auto/,
  },
  {
    name: "fixed egress with the demo Vault",
    change: {
      vaultMode: "demo",
      vaultAddress: null,
      demoVaultImage: `hashicorp/vault@sha256:${"a1".repeat(32)}`,
      demoVaultOperatorCidrs: ["203.0.113.4/32"],
      agentFixedEgress: true,
    },
    key: "agentFixedEgress",
    problem: /reach Vault inside the VPC/,
    fix: /config rm tfc-jit-aws:agentFixedEgress/,
  },
  {
    name: "egress addresses with the demo Vault",
    change: {
      vaultMode: "demo",
      vaultAddress: null,
      demoVaultImage: `hashicorp/vault@sha256:${"a1".repeat(32)}`,
      demoVaultOperatorCidrs: ["203.0.113.4/32"],
      agentEgressAddresses: ["198.51.100.7/32"],
    },
    key: "agentEgressAddresses",
    problem: /binds their subnets itself/,
    fix: /config rm tfc-jit-aws:agentEgressAddresses/,
  },
  {
    name: "egress address that is not a CIDR",
    change: { ...EXISTING, agentEgressAddresses: ["198.51.100.7"] },
    key: "agentEgressAddresses",
    problem: /"198\.51\.100\.7" is not an IPv4 CIDR \(write a single address as a\.b\.c\.d\/32\)/,
    fix: /edit tfc-jit-aws:agentEgressAddresses/,
  },
  {
    name: "egress address that matches everything",
    change: { ...EXISTING, agentEgressAddresses: ["0.0.0.0/0"] },
    key: "agentEgressAddresses",
    problem: /would bind nothing/,
    fix: /a\.b\.c\.d\/32/,
  },
  {
    name: "egress addresses for the created VPC without fixed egress",
    change: { agentEgressAddresses: ["198.51.100.7/32"] },
    key: "agentEgressAddresses",
    problem: /new public IP each time they start/,
    fix: /agentFixedEgress true and pulumi config rm tfc-jit-aws:agentEgressAddresses/,
  },
  {
    name: "egress addresses beside fixed egress",
    change: { agentFixedEgress: true, agentEgressAddresses: ["198.51.100.7/32"] },
    key: "agentEgressAddresses",
    problem: /binds the NAT gateway's Elastic IP itself/,
    fix: /config rm tfc-jit-aws:agentEgressAddresses/,
  },
  {
    name: "plan token longer than the plan timeout",
    change: { planTokenTtlSeconds: 7201 },
    key: "planTokenTtlSeconds",
    problem: /\(7201\) is longer than the plan phase timeout tfcPlanTimeoutSeconds \(7200\)/,
    fix: /lower tfc-jit-aws:planTokenTtlSeconds to at most 7200, or set tfc-jit-aws:tfcPlanTimeoutSeconds/,
  },
  {
    name: "apply token longer than a shorter organization apply timeout",
    change: { tfcApplyTimeoutSeconds: 3000 },
    key: "applyTokenTtlSeconds",
    problem: /\(3600\) is longer than the apply phase timeout tfcApplyTimeoutSeconds \(3000\)/,
    fix: /at most 3000/,
  },
  {
    name: "phase timeout below the hooks' own timeout",
    change: { tfcPlanTimeoutSeconds: 60 },
    key: "tfcPlanTimeoutSeconds",
    problem: /300/,
    fix: /tfcPlanTimeoutSeconds/,
  },
];

describe("config: where agents connect from, and token TTLs within the phase timeout", () => {
  for (const c of CASES) {
    it(`${c.name}: names tfc-jit-aws:${c.key} and the fix`, () => {
      const found = problems(c.change);
      assert.equal(found.length, 1, `expected one problem, got:\n${found.map((e) => e.message).join("\n")}`);
      const [e] = found;
      assert.equal(e.key, `tfc-jit-aws:${c.key}`);
      assert.match(e.problem, c.problem);
      assert.match(e.fix, c.fix);
    });
  }

  it("defaults: no fixed egress, no listed addresses, public IPs in the created VPC", () => {
    const { agent } = readStackConfig(devSource());
    assert.equal(agent.ecs.network.fixedEgress, false);
    assert.equal(agent.ecs.network.assignPublicIp, true);
    assert.deepEqual(agent.egressAddresses, []);
  });

  it("fixed egress turns the tasks' public IP off; listed addresses are kept for an existing network and docker", () => {
    const fixed = readStackConfig(devSource({ agentFixedEgress: true })).agent;
    assert.equal(fixed.ecs.network.fixedEgress, true);
    assert.equal(fixed.ecs.network.assignPublicIp, false);
    const listed = ["198.51.100.0/28", "192.0.2.9/32"];
    assert.deepEqual(
      readStackConfig(devSource({ ...EXISTING, agentEgressAddresses: listed })).agent.egressAddresses,
      listed,
    );
    assert.deepEqual(
      readStackConfig(devSource({ agentRuntime: "docker", agentEgressAddresses: listed })).agent
        .egressAddresses,
      listed,
    );
  });

  it("accepts token TTLs up to the phase timeouts", () => {
    assert.deepEqual(problems({ planTokenTtlSeconds: 7200, applyTokenTtlSeconds: 86400 }), []);
  });
});

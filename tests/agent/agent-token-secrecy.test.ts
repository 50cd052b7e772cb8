/**
 * Wherever AgentPool hands the agent token on, Pulumi's state keeps it encrypted: the input is a
 * secret AND the registration asks the engine to keep that output secret
 * (`additionalSecretOutputs`). The Docker provider does not mark a container's `envs` secret by
 * itself, so the component must; the AWS SDK marks an SSM parameter's `value` itself. The policy
 * pack checks the same over the whole program; this holds it at the component.
 */
import { strict as assert } from "node:assert";
import { AgentPool, type AgentPoolArgs } from "../../components/agent-pool";
import { isSecretInput, plain, recorder, settled } from "../support/pulumi-mocks";
import { recordSecretOutputs, registrationKey } from "../support/secret-outputs";
import { AGENT_TOKEN, DIGEST, T, resourcesLeaking, useAgentMocks } from "./fixtures";

const BASE: Omit<AgentPoolArgs, "runtime"> = {
  organization: "acme",
  poolName: "dev-agents",
  tfcAddress: "https://app.terraform.io",
  image: `ghcr.io/acme/tfc-agent@${DIGEST}`,
  platform: "linux/amd64",
  count: 2,
  logLevel: "info",
};

describe("AgentPool keeps the agent token secret in state wherever it hands it on", () => {
  useAgentMocks();
  const secretOutputs = recordSecretOutputs();
  const declared = (type: string, name: string): string[] | undefined =>
    secretOutputs.get(registrationKey(type, name));

  it("Docker: every container's environment (which holds TFC_AGENT_TOKEN) is a secret output", async () => {
    new AgentPool("agents", { ...BASE, runtime: { kind: "docker" } });
    await settled();
    const containers = recorder.ofType(T.container);
    assert.equal(containers.length, 2);
    for (const c of containers) {
      assert.ok(
        (plain(c.inputs.envs) as string[]).includes(`TFC_AGENT_TOKEN=${AGENT_TOKEN}`),
        "the container gets the token",
      );
      assert.ok(isSecretInput(c.inputs.envs), `${c.name}: envs reach the engine in plain text`);
      assert.ok(
        declared(T.container, c.name)?.includes("envs"),
        `${c.name}: envs are not in additionalSecretOutputs (${JSON.stringify(declared(T.container, c.name))}), so state would store the token in plain text`,
      );
    }
    assert.deepEqual(resourcesLeaking(AGENT_TOKEN), []);
  });

  it("ECS: the SSM parameter holding the token is a SecureString whose value is a secret output", async () => {
    new AgentPool("agents", {
      ...BASE,
      runtime: {
        kind: "ecs",
        cpu: 1024,
        memory: 2048,
        logRetentionDays: 30,
        network: {
          vpcCidr: "10.42.0.0/16",
          assignPublicIp: true,
          egressCidrs: ["0.0.0.0/0"],
          egressPorts: [443],
        },
      },
    });
    await settled();
    const holders = recorder.ofType(T.ssmParam).filter((p) => plain(p.inputs.value) === AGENT_TOKEN);
    assert.equal(holders.length, 1, "one parameter holds the token");
    const param = holders[0];
    assert.equal(param.inputs.type, "SecureString");
    assert.ok(isSecretInput(param.inputs.value));
    assert.ok(declared(T.ssmParam, param.name)?.includes("value"), "value is not a secret output");
    assert.deepEqual(resourcesLeaking(AGENT_TOKEN), []);
  });
});

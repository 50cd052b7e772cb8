import * as assert from "node:assert/strict";
import { agentAutoUpdateDisabled } from "../../policy/policies/agent-auto-update-disabled";
import { agentImageByDigest } from "../../policy/policies/agent-image-by-digest";
import { agentImagePinned } from "../../policy/policies/agent-image-pinned";
import { agentLogLevelQuiet } from "../../policy/policies/agent-log-level-quiet";
import { agentSecretsFromSecretStore } from "../../policy/policies/agent-secrets-from-secret-store";
import { agentSingleExecution } from "../../policy/policies/agent-single-execution";
import { DIGEST, agentContainer, agentImage, agentTaskDefinition } from "./fixtures";
import { type FixtureResource, mutate, violations } from "./harness";

/** The task definition with the agent container's environment replaced. */
function taskWithEnv(env: Record<string, string>, image?: string): FixtureResource {
  const defs = JSON.parse(agentTaskDefinition.props.containerDefinitions as string) as Record<
    string,
    unknown
  >[];
  const agent = defs[0];
  agent.environment = Object.entries(env).map(([name, value]) => ({ name, value }));
  if (image !== undefined) agent.image = image;
  return mutate(agentTaskDefinition, { containerDefinitions: JSON.stringify(defs) });
}

const GOOD_ENV = { TFC_AGENT_AUTO_UPDATE: "disabled", TFC_AGENT_SINGLE: "true" };
const withBuildArgs = (args: Record<string, string>) =>
  mutate(agentImage, { build: { ...(agentImage.props.build as object), args } });

describe("policy agent-auto-update-disabled", () => {
  it("passes agents (ECS and Docker) with auto-update disabled, and ignores non-agent containers", async () => {
    assert.deepEqual(await violations(agentAutoUpdateDisabled, agentTaskDefinition), []);
    assert.deepEqual(await violations(agentAutoUpdateDisabled, agentContainer), []);
  });
  it("refuses an ECS agent without the setting (the agent would update itself)", async () => {
    const found = await violations(agentAutoUpdateDisabled, taskWithEnv({ TFC_AGENT_SINGLE: "true" }));
    assert.deepEqual(found, [
      "pool-task: agent container tfc-agent has TFC_AGENT_AUTO_UPDATE unset: set TFC_AGENT_AUTO_UPDATE=disabled (auto-update defeats image pinning)",
    ]);
  });
  it("refuses auto-update set to minor", async () => {
    const found = await violations(
      agentAutoUpdateDisabled,
      taskWithEnv({ ...GOOD_ENV, TFC_AGENT_AUTO_UPDATE: "minor" }),
    );
    assert.match(found.join("\n"), /has TFC_AGENT_AUTO_UPDATE "minor"/);
  });
  it("refuses a Docker agent without the setting", async () => {
    const container = mutate(agentContainer, { envs: ["TFC_AGENT_TOKEN=x", "TFC_AGENT_SINGLE=true"] });
    assert.match(
      (await violations(agentAutoUpdateDisabled, container)).join("\n"),
      /pool-agent-0: agent container pool-agent-0 has TFC_AGENT_AUTO_UPDATE unset/,
    );
  });
  it("refuses container definitions it cannot read (fails closed)", async () => {
    const found = await violations(
      agentAutoUpdateDisabled,
      mutate(agentTaskDefinition, { containerDefinitions: "{" }),
    );
    assert.deepEqual(found, ["pool-task has container definitions that are not a JSON list: fix them"]);
  });
});

describe("policy agent-single-execution", () => {
  it("passes single-job agents", async () => {
    assert.deepEqual(await violations(agentSingleExecution, agentTaskDefinition), []);
    assert.deepEqual(await violations(agentSingleExecution, agentContainer), []);
  });
  it("refuses an agent that keeps running jobs", async () => {
    const found = await violations(
      agentSingleExecution,
      taskWithEnv({ ...GOOD_ENV, TFC_AGENT_SINGLE: "false" }),
    );
    assert.deepEqual(found, [
      'pool-task: agent container tfc-agent has TFC_AGENT_SINGLE "false": set TFC_AGENT_SINGLE=true (a fresh container for every run)',
    ]);
  });
  it("recognises an agent by its image even without TFC_AGENT_ variables", async () => {
    const container = mutate(agentContainer, { envs: [], image: `hashicorp/tfc-agent@${DIGEST}` });
    assert.match((await violations(agentSingleExecution, container)).join("\n"), /TFC_AGENT_SINGLE unset/);
  });
});

describe("policy agent-image-pinned", () => {
  it("passes an image built on an exact version and digest", async () => {
    assert.deepEqual(await violations(agentImagePinned, agentImage), []);
  });
  it("passes an exact version without digest by default, and refuses it when the digest is required", async () => {
    const image = withBuildArgs({ TFC_AGENT_VERSION: "1.28.3" });
    assert.deepEqual(await violations(agentImagePinned, image), []);
    assert.deepEqual(await violations(agentImagePinned, image, { requireBaseDigest: true }), [
      "Agent image agent-image does not pin the base image digest: pass build arg TFC_AGENT_DIGEST=sha256:...",
    ]);
  });
  it("refuses latest", async () => {
    const found = await violations(agentImagePinned, withBuildArgs({ TFC_AGENT_VERSION: "latest" }));
    assert.deepEqual(found, [
      'Agent image agent-image builds on tfc-agent version "latest": pass build arg TFC_AGENT_VERSION as an exact release, e.g. 1.28.3',
    ]);
  });
  it("refuses an agent image built without a version (the Dockerfile default)", async () => {
    const found = await violations(agentImagePinned, mutate(agentImage, { build: { context: "hooks" } }));
    assert.match(found.join("\n"), /version \(unset: the Dockerfile default\)/);
  });
  it("refuses a malformed digest", async () => {
    const found = await violations(
      agentImagePinned,
      withBuildArgs({ TFC_AGENT_VERSION: "1.28.3", TFC_AGENT_DIGEST: "latest" }),
    );
    assert.match(found.join("\n"), /pins base digest "latest", which is not sha256:<64 hex>/);
  });
  it("does not judge other images", async () => {
    const other = mutate(agentImage, { imageName: "example/web:1", build: { context: "web" } });
    assert.deepEqual(await violations(agentImagePinned, other), []);
  });
});

describe("policy agent-image-by-digest", () => {
  it("passes agents that run the image by digest", async () => {
    assert.deepEqual(await violations(agentImageByDigest, agentTaskDefinition), []);
    assert.deepEqual(await violations(agentImageByDigest, agentContainer), []);
  });
  it("refuses an ECS agent that runs a tag", async () => {
    const found = await violations(agentImageByDigest, taskWithEnv(GOOD_ENV, "example/tfc-agent-jit:1.28.3"));
    assert.deepEqual(found, [
      'pool-task: agent container tfc-agent runs image "example/tfc-agent-jit:1.28.3" by tag: use the pushed image\'s repo digest (<repository>@sha256:...)',
    ]);
  });
  it("passes a Docker agent that runs the pulled image by its id", async () => {
    assert.deepEqual(await violations(agentImageByDigest, mutate(agentContainer, { image: DIGEST })), []);
  });
  it("refuses a Docker agent that runs a tag", async () => {
    const found = await violations(
      agentImageByDigest,
      mutate(agentContainer, { image: "tfc-agent-jit:latest" }),
    );
    assert.match(found.join("\n"), /runs image "tfc-agent-jit:latest" by tag/);
  });
});

describe("policy agent-secrets-from-secret-store", () => {
  it("passes an ECS agent whose token comes from secrets, and ignores Docker containers", async () => {
    assert.deepEqual(await violations(agentSecretsFromSecretStore, agentTaskDefinition), []);
    assert.deepEqual(await violations(agentSecretsFromSecretStore, agentContainer), []);
  });
  it("refuses an ECS agent with the token in its plain environment (readable in the task definition)", async () => {
    const found = await violations(
      agentSecretsFromSecretStore,
      taskWithEnv({ ...GOOD_ENV, TFC_AGENT_TOKEN: "at-plaintext" }),
    );
    assert.deepEqual(found, [
      "pool-task: agent container tfc-agent has TFC_AGENT_TOKEN in its plain environment (stored in the task definition, readable with ecs:DescribeTaskDefinition): pass it in secrets, valueFrom an SSM SecureString or Secrets Manager ARN",
    ]);
  });
  it("refuses other secret-named variables in the plain environment (Vault token, AWS secret key, passwords)", async () => {
    const found = await violations(
      agentSecretsFromSecretStore,
      taskWithEnv({
        ...GOOD_ENV,
        VAULT_TOKEN: "hvs.x",
        AWS_SECRET_ACCESS_KEY: "x",
        REGISTRY_PASSWORD: "x",
        TFC_AGENT_HOOK_PRE_PLAN_TIMEOUT: "300",
      }),
    );
    assert.deepEqual(
      found.map((m) => /has (\w+) in its plain environment/.exec(m)?.[1]),
      ["VAULT_TOKEN", "AWS_SECRET_ACCESS_KEY", "REGISTRY_PASSWORD"],
    );
  });
  it("refuses container definitions it cannot read (fails closed)", async () => {
    const found = await violations(
      agentSecretsFromSecretStore,
      mutate(agentTaskDefinition, { containerDefinitions: "{" }),
    );
    assert.deepEqual(found, ["pool-task has container definitions that are not a JSON list: fix them"]);
  });
});

describe("policy agent-log-level-quiet", () => {
  it("passes agents that leave the level unset or log at info, warn or error", async () => {
    assert.deepEqual(await violations(agentLogLevelQuiet, agentTaskDefinition), []);
    assert.deepEqual(await violations(agentLogLevelQuiet, agentContainer), []);
    for (const level of ["info", "warn", "error"]) {
      assert.deepEqual(
        await violations(agentLogLevelQuiet, taskWithEnv({ ...GOOD_ENV, TFC_AGENT_LOG_LEVEL: level })),
        [],
        level,
      );
    }
  });
  it("refuses an ECS agent logging at trace (its log can include secrets)", async () => {
    const found = await violations(
      agentLogLevelQuiet,
      taskWithEnv({ ...GOOD_ENV, TFC_AGENT_LOG_LEVEL: "trace" }),
    );
    assert.deepEqual(found, [
      'pool-task: agent container tfc-agent has TFC_AGENT_LOG_LEVEL "trace", which can log secrets: set info (or warn, error)',
    ]);
  });
  it("refuses a Docker agent logging at debug, whatever the case", async () => {
    const container = mutate(agentContainer, {
      envs: [...(agentContainer.props.envs as string[]), "TFC_AGENT_LOG_LEVEL=DEBUG"],
    });
    assert.match((await violations(agentLogLevelQuiet, container)).join("\n"), /TFC_AGENT_LOG_LEVEL "DEBUG"/);
  });
});

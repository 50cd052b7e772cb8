import { strict as assert } from "node:assert";
import { isSecretInput, plain, recorder, settled } from "../support/pulumi-mocks";
import { AgentPool, type AgentPoolArgs } from "../../components/agent-pool";
import { AGENT_TOKEN, DIGEST, ECR_PASSWORD, T, resourcesLeaking, useAgentMocks } from "./fixtures";
import { HOOKS_UID, IMAGE_LAYOUT, renderStartScript, writableMounts } from "../../hooks/src/layout";

describe("Docker runtime: a fresh filesystem for every job", () => {
  it("mounts tmpfs over every directory the image's start script or the agent writes: data dir, hooks' state, credentials dir, /tmp, /run", () => {
    const mounts = writableMounts(IMAGE_LAYOUT);
    const written = [...renderStartScript(IMAGE_LAYOUT).matchAll(/install -d [^\n]* (\/\S+)$/gm)].map(
      (m) => m[1],
    );
    assert.ok(written.length >= 4, written.join(" "));
    for (const dir of written) assert.ok(dir in mounts, `${dir} is written at start but not a tmpfs`);
    for (const dir of [
      "/tmp",
      "/run",
      IMAGE_LAYOUT.dataDir,
      IMAGE_LAYOUT.stateDir,
      IMAGE_LAYOUT.credentialsDir,
    ])
      assert.ok(dir in mounts, dir);
    // The hooks' state is the hooks' user's alone from the moment it is mounted.
    assert.match(mounts[IMAGE_LAYOUT.stateDir], new RegExp(`mode=0700,uid=${HOOKS_UID},gid=${HOOKS_UID}`));
    // The credentials dir is the hooks' user's and readable by all (the run reads its files), and
    // holds data only.
    assert.match(
      mounts[IMAGE_LAYOUT.credentialsDir],
      new RegExp(`^rw,nosuid,nodev,noexec,mode=0755,uid=${HOOKS_UID},gid=${HOOKS_UID}$`),
    );
  });

  it("the start script empties the credentials dir before the agent starts, where it outlives a container start (run code may read it)", () => {
    const start = renderStartScript(IMAGE_LAYOUT).split("\n");
    const dir = IMAGE_LAYOUT.credentialsDir;
    const emptied = start.indexOf(`/bin/rm -rf ${dir}/*`);
    const created = start.findIndex((l) => l.startsWith("/usr/bin/install -d ") && l.endsWith(` ${dir}`));
    const agent = start.findIndex((l) => l.startsWith("exec "));
    assert.ok(emptied >= 0 && emptied < created && created < agent, start.join("\n"));
  });
});

const IMAGE = `123456789012.dkr.ecr.us-east-1.amazonaws.com/tfc-jit-aws/tfc-agent@${DIGEST}`;

function dockerArgs(overrides: Partial<AgentPoolArgs> = {}, host?: string): AgentPoolArgs {
  return {
    organization: "acme",
    poolName: "dev-agents",
    tfcAddress: "https://app.terraform.io",
    image: IMAGE,
    registryAuth: {
      address: "123456789012.dkr.ecr.us-east-1.amazonaws.com",
      username: "AWS",
      password: ECR_PASSWORD,
    },
    repositoryArn: "arn:aws:ecr:us-east-1:123456789012:repository/tfc-jit-aws/tfc-agent",
    platform: "linux/amd64",
    count: 2,
    logLevel: "info",
    runtime: { kind: "docker", ...(host !== undefined ? { host } : {}) },
    ...overrides,
  };
}

describe("AgentPool on a Docker host", () => {
  useAgentMocks();

  it("talks to the configured Docker host with the registry password kept secret", async () => {
    new AgentPool("agents", dockerArgs({}, "ssh://ops@docker-host"));
    await settled();
    const provider = recorder.one(T.dockerProvider);
    assert.equal(provider.inputs.host, "ssh://ops@docker-host");
    assert.ok(
      isSecretInput(provider.inputs.registryAuth),
      "registry credentials reach the engine as a secret",
    );
    // Provider inputs reach the engine as JSON text.
    assert.deepEqual(JSON.parse(String(plain(provider.inputs.registryAuth))), [
      { address: "123456789012.dkr.ecr.us-east-1.amazonaws.com", username: "AWS", password: ECR_PASSWORD },
    ]);
    assert.equal(recorder.ofType(T.ecrRepo).length + recorder.ofType(T.service).length, 0, "no AWS runtime");
  });

  it("pulls the image by digest and runs the configured number of agent containers from it", async () => {
    new AgentPool("agents", dockerArgs({ count: 3 }));
    await settled();
    const image = recorder.one(T.remoteImage);
    assert.equal(image.inputs.name, IMAGE);
    assert.equal(image.inputs.platform, "linux/amd64");
    const containers = recorder.ofType(T.container);
    assert.deepEqual(
      containers.map((c) => c.name),
      ["agents-docker-0", "agents-docker-1", "agents-docker-2"],
    );
    for (const c of containers) {
      assert.equal(c.inputs.image, `sha256:${"e2".repeat(32)}`);
      assert.equal(c.inputs.restart, "unless-stopped");
      // A restart must not bring back what the last job wrote: read-only root, tmpfs for the rest.
      assert.equal(c.inputs.readOnly, true);
      assert.deepEqual(plain(c.inputs.tmpfs), writableMounts(IMAGE_LAYOUT));
      assert.ok(c.provider?.includes("agents-docker-host"), "containers run on the configured host");
    }
  });

  it("passes the token only as a secret environment value, next to the single-job and no-auto-update settings", async () => {
    new AgentPool("agents", dockerArgs({ tfcAddress: "https://tfe.example.com" }));
    await settled();
    const container = recorder.one(T.container, "agents-docker-0");
    assert.ok(isSecretInput(container.inputs.envs));
    const envs = plain(container.inputs.envs) as string[];
    assert.deepEqual([...envs].sort(), [
      "TFC_ADDRESS=https://tfe.example.com",
      "TFC_AGENT_AUTO_UPDATE=disabled",
      "TFC_AGENT_LOG_LEVEL=info",
      "TFC_AGENT_NAME=agents-docker-0",
      "TFC_AGENT_SINGLE=true",
      `TFC_AGENT_TOKEN=${AGENT_TOKEN}`,
    ]);
    assert.deepEqual(resourcesLeaking(AGENT_TOKEN), []);
  });

  it("uses the local Docker daemon when no host is configured, without credentials for a public image", async () => {
    new AgentPool(
      "agents",
      dockerArgs({ registryAuth: undefined, image: `ghcr.io/acme/tfc-agent@${DIGEST}` }),
    );
    await settled();
    const provider = recorder.one(T.dockerProvider);
    assert.equal(provider.inputs.host, undefined);
    assert.equal(provider.inputs.registryAuth, undefined);
  });
});

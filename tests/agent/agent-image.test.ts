import { strict as assert } from "node:assert";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { isSecretInput, outputIsSecret, plain, recorder, settled, valueOf } from "../support/pulumi-mocks";
import { AgentImage, requirePushedDigest, type AgentImageArgs } from "../../components/agent-image";
import { contentTag, contextFiles } from "../../components/agent-image-context";
import { DIGEST, ECR_PASSWORD, ECR_URL, T, useAgentMocks } from "./fixtures";

const ROOT = path.resolve(__dirname, "../..");
const AGENT_DIGEST = `sha256:${"a1".repeat(32)}`;
const NODE_DIGEST = `sha256:${"b2".repeat(32)}`;
const base: Omit<AgentImageArgs, "target"> = {
  tfcAgentVersion: "1.22.5",
  tfcAgentDigest: AGENT_DIGEST,
  nodeImageDigest: NODE_DIGEST,
  contextDir: ROOT,
};

describe("AgentImage", () => {
  useAgentMocks();

  it("pushes to a private ECR repository with immutable tags and scan on push, using ECR's own credentials", async () => {
    const image = new AgentImage("img", {
      ...base,
      target: { kind: "ecr", repositoryName: "tfc-jit-aws/tfc-agent" },
    });
    await settled();
    const repo = recorder.one(T.ecrRepo, "img-repo");
    assert.equal(repo.inputs.imageTagMutability, "IMMUTABLE");
    assert.deepEqual(plain(repo.inputs.imageScanningConfiguration), { scanOnPush: true });
    assert.equal(repo.inputs.name, "tfc-jit-aws/tfc-agent");

    const built = recorder.one(T.image, "img-image");
    // The password makes the whole registry block secret on its way to the engine.
    assert.ok(isSecretInput(built.inputs.registry), "the ECR password reaches the engine as a secret");
    assert.deepEqual(plain(built.inputs.registry), {
      server: "123456789012.dkr.ecr.us-east-1.amazonaws.com",
      username: "AWS",
      password: ECR_PASSWORD,
    });
    assert.equal(
      recorder.calls.filter((c) => c.token === "aws:ecr/getAuthorizationToken:getAuthorizationToken").length,
      1,
    );
    assert.ok(await outputIsSecret(image.registryAuth!.password));
  });

  it("builds hooks/Dockerfile from the repository root for linux/amd64 by default, with the agent version as a build arg", async () => {
    new AgentImage("img", { ...base, target: { kind: "ecr", repositoryName: "r" } });
    await settled();
    const build = plain(recorder.one(T.image).inputs.build) as Record<string, unknown>;
    assert.deepEqual(build, {
      context: ROOT,
      dockerfile: path.posix.join(ROOT, "hooks/Dockerfile"),
      platform: "linux/amd64",
      args: { TFC_AGENT_VERSION: "1.22.5", TFC_AGENT_DIGEST: AGENT_DIGEST, NODE_DIGEST: NODE_DIGEST },
    });
  });

  it("refuses to build without both base-image digests (hooks/Dockerfile has no default), naming the key", () => {
    for (const key of ["tfcAgentDigest", "nodeImageDigest"] as const) {
      const args: Omit<AgentImageArgs, "target"> = { ...base, [key]: undefined };
      assert.throws(
        () => new AgentImage("img", { ...args, target: { kind: "ecr", repositoryName: "r" } }),
        new RegExp(
          `${key} must be a sha256:<hex> digest to build the image .*docker buildx imagetools inspect`,
        ),
      );
    }
  });

  it("tags each build by content and hands consumers the pushed digest, never the tag", async () => {
    const image = new AgentImage("img", { ...base, target: { kind: "ecr", repositoryName: "r" } });
    await settled();
    const imageName = String(recorder.one(T.image).inputs.imageName);
    const tag = contentTag(ROOT, {
      TFC_AGENT_VERSION: "1.22.5",
      TFC_AGENT_DIGEST: AGENT_DIGEST,
      NODE_DIGEST,
      PLATFORM: "linux/amd64",
    });
    assert.equal(imageName, `${ECR_URL}:${tag}`);
    assert.equal(await valueOf(image.repoDigest), `${ECR_URL}@${DIGEST}`);
  });

  it("pushes to a registry from config with its password kept secret, and creates no ECR repository", async () => {
    const image = new AgentImage("img", {
      ...base,
      platform: "linux/arm64",
      target: {
        kind: "registry",
        server: "ghcr.io",
        repository: "ghcr.io/acme/tfc-agent",
        username: "acme-bot",
        password: "ghcr-password-never-in-plaintext",
      },
    });
    await settled();
    assert.equal(recorder.ofType(T.ecrRepo).length, 0);
    assert.equal(recorder.calls.length, 0);
    const built = recorder.one(T.image);
    assert.ok(isSecretInput(built.inputs.registry));
    assert.equal(
      (plain(built.inputs.registry) as { password: string }).password,
      "ghcr-password-never-in-plaintext",
    );
    assert.match(String(built.inputs.imageName), /^ghcr\.io\/acme\/tfc-agent:[a-f0-9]{20}$/);
    assert.equal((plain(built.inputs.build) as { platform: string }).platform, "linux/arm64");
    assert.equal(await valueOf(image.repoDigest), `ghcr.io/acme/tfc-agent@${DIGEST}`);
    assert.equal(image.repositoryArn, undefined);
  });

  it("uses a pre-built image by digest without building, pushing or asking for registry credentials", async () => {
    const ref = `ghcr.io/acme/tfc-agent@${DIGEST}`;
    const image = new AgentImage("img", { ...base, target: { kind: "prebuilt", repoDigest: ref } });
    await settled();
    assert.deepEqual(
      recorder.resources.filter((r) => r.custom).map((r) => r.type),
      [],
    );
    assert.equal(await valueOf(image.repoDigest), ref);
    assert.equal(image.registryAuth, undefined);
  });

  it("refuses an image without a registry digest (built but not pushed)", () => {
    assert.equal(requirePushedDigest("img", `r.example/x@${DIGEST}`), `r.example/x@${DIGEST}`);
    assert.throws(
      () => requirePushedDigest("img", `sha256:${"a".repeat(64)}`),
      /AgentImage img: the image has no registry digest .*check that the push to the registry succeeded/,
    );
    assert.throws(() => requirePushedDigest("img", "r.example/x:1.0"), /no registry digest/);
  });
});

describe("agent image content tag", () => {
  let dir: string;
  const write = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  };
  const args = { TFC_AGENT_VERSION: "1.22.5", TFC_AGENT_DIGEST: "", PLATFORM: "linux/amd64" };

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "agent-ctx-"));
    write("package.json", "{}");
    write("package-lock.json", "{}");
    write("hooks/package.json", "{}");
    write("hooks/src/main.ts", "export {};");
    write("hooks/Dockerfile", "FROM x");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("hashes only the context allow-list: hooks sources yes, node_modules, dist and other files no", () => {
    write("hooks/node_modules/x/index.js", "x");
    write("hooks/dist/terraform-pre-plan", "x");
    write("Pulumi.dev.yaml", "secret: x");
    assert.deepEqual(contextFiles(dir), [
      "package.json",
      "package-lock.json",
      "hooks/Dockerfile",
      "hooks/package.json",
      "hooks/src/main.ts",
    ]);
  });

  it("is stable for the same tree and changes when a hook source, the lockfile or a build arg changes", () => {
    const first = contentTag(dir, args);
    assert.match(first, /^[a-f0-9]{20}$/);
    assert.equal(contentTag(dir, { ...args }), first);
    write("hooks/dist/terraform-pre-plan", "built output is not an input");
    assert.equal(contentTag(dir, args), first);

    write("hooks/src/main.ts", "export const changed = 1;");
    const afterSource = contentTag(dir, args);
    assert.notEqual(afterSource, first);
    write("package-lock.json", '{"lockfileVersion":3}');
    assert.notEqual(contentTag(dir, args), afterSource);
    assert.notEqual(contentTag(dir, { ...args, TFC_AGENT_VERSION: "1.23.0" }), contentTag(dir, args));
    assert.notEqual(contentTag(dir, { ...args, PLATFORM: "linux/arm64" }), contentTag(dir, args));
  });

  it("fails when the context lacks a required file", () => {
    rmSync(path.join(dir, "package-lock.json"));
    assert.throws(() => contextFiles(dir), /package-lock\.json/);
  });
});

import { strict as assert } from "node:assert";
import { ConfigErrors, type ConfigError } from "../../config/errors";
import { readStackConfig } from "../../config";
import { versionAtLeast, isCidr } from "../../config/agent";
import { SECRETS, USER_SET, devSource } from "../program/dev-stack";

type Value = string | number | boolean | object | null;

/** The problems for the dev stack with `change` applied (null removes a key). */
function problems(change: Record<string, Value>, secrets: Record<string, string> = SECRETS): ConfigError[] {
  try {
    readStackConfig(devSource(change, secrets));
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigErrors, String(err));
    return [...err.errors];
  }
}

const DIGEST = `sha256:${"c3".repeat(32)}`;

/** Each case: the change, the key its single problem names, the problem and the fix. */
const CASES: {
  name: string;
  change: Record<string, Value>;
  secrets?: Record<string, string>;
  key: string;
  problem: RegExp;
  fix: RegExp;
}[] = [
  {
    name: "agent version moving tag",
    change: { tfcAgentVersion: "latest" },
    key: "tfcAgentVersion",
    problem: /not an exact x\.y\.z version/,
    fix: /config set tfc-jit-aws:tfcAgentVersion 1\.22\.5/,
  },
  {
    name: "agent version too old for hook timeouts",
    change: { tfcAgentVersion: "1.17.0" },
    key: "tfcAgentVersion",
    problem: /older than 1\.17\.1/,
    fix: /tfcAgentVersion 1\.22\.5/,
  },
  {
    name: "agent digest malformed",
    change: { tfcAgentDigest: "sha256:abc" },
    key: "tfcAgentDigest",
    problem: /not an image digest/,
    fix: /sha256:<digest of hashicorp\/tfc-agent:1\.22\.5>/,
  },
  {
    name: "platform unknown",
    change: { imagePlatform: "windows/amd64" },
    key: "imagePlatform",
    problem: /one of linux\/amd64, linux\/arm64/,
    fix: /imagePlatform linux\/amd64/,
  },
  {
    name: "pre-built image by tag",
    change: { agentImage: "ghcr.io/acme/tfc-agent:1.0" },
    key: "agentImage",
    problem: /not an image reference by digest/,
    fix: /<repository>@sha256:<digest>/,
  },
  {
    name: "pre-built image with a registry",
    change: {
      agentImage: `ghcr.io/acme/a@${DIGEST}`,
      imageRegistryServer: "ghcr.io",
      imageRepository: "ghcr.io/acme/a",
      imageRegistryUsername: "bot",
    },
    secrets: { ...SECRETS, imageRegistryPassword: "p" },
    key: "agentImage",
    problem: /not pushed anywhere/,
    fix: /remove tfc-jit-aws:agentImage/,
  },
  {
    name: "registry without password",
    change: {
      imageRegistryServer: "ghcr.io",
      imageRepository: "ghcr.io/acme/a",
      imageRegistryUsername: "bot",
    },
    key: "imageRegistryPassword",
    problem: /needs its server, repository, username and password/,
    fix: /config set --secret tfc-jit-aws:imageRegistryPassword/,
  },
  {
    name: "registry without username",
    change: { imageRegistryServer: "ghcr.io", imageRepository: "ghcr.io/acme/a" },
    secrets: { ...SECRETS, imageRegistryPassword: "p" },
    key: "imageRegistryUsername",
    problem: /needs its server/,
    fix: /config set tfc-jit-aws:imageRegistryUsername/,
  },
  {
    name: "repository outside the registry",
    change: {
      imageRegistryServer: "ghcr.io",
      imageRepository: "docker.io/acme/a",
      imageRegistryUsername: "bot",
    },
    secrets: { ...SECRETS, imageRegistryPassword: "p" },
    key: "imageRepository",
    problem: /not in the registry ghcr\.io/,
    fix: /ghcr\.io\/<owner>\/<name>/,
  },
  {
    name: "repository with a tag",
    change: {
      imageRegistryServer: "ghcr.io",
      imageRepository: "ghcr.io/acme/a:v1",
      imageRegistryUsername: "bot",
    },
    secrets: { ...SECRETS, imageRegistryPassword: "p" },
    key: "imageRepository",
    problem: /must not carry a tag or digest/,
    fix: /imageRepository ghcr\.io\/<owner>\/<name>/,
  },
  {
    name: "ECR repository name",
    change: { ecrRepositoryName: "Bad Name" },
    key: "ecrRepositoryName",
    problem: /not an ECR repository name/,
    fix: /ecrRepositoryName tfc-jit-aws\/tfc-agent/,
  },
  {
    name: "pool name",
    change: { agentPoolName: "-bad/pool" },
    key: "agentPoolName",
    problem: /must be 1 to 90/,
    fix: /agentPoolName tfc-jit-aws/,
  },
  {
    name: "runtime unknown",
    change: { agentRuntime: "k8s" },
    key: "agentRuntime",
    problem: /one of ecs, docker/,
    fix: /agentRuntime ecs/,
  },
  {
    name: "agent count zero",
    change: { agentCount: 0 },
    key: "agentCount",
    problem: /whole number from 1 to 100/,
    fix: /agentCount 2/,
  },
  {
    name: "debug logs may leak secrets",
    change: { agentLogLevel: "trace" },
    key: "agentLogLevel",
    problem: /one of info, warn, error/,
    fix: /agentLogLevel info/,
  },
  {
    name: "Fargate CPU size",
    change: { agentCpu: 768 },
    key: "agentCpu",
    problem: /not a Fargate CPU size/,
    fix: /agentCpu 1024/,
  },
  {
    name: "Fargate memory for the CPU",
    change: { agentMemory: 1024 },
    key: "agentMemory",
    problem: /does not fit Fargate CPU 1024 \(2048 to 8192 MiB/,
    fix: /agentMemory 2048/,
  },
  {
    name: "max count below count",
    change: { agentMaxCount: 1 },
    key: "agentMaxCount",
    problem: /below agentCount \(2\)/,
    fix: /agentMaxCount 4, or 0 for a fixed count/,
  },
  {
    name: "VPC id",
    change: { agentVpcId: "vpc_1", agentSubnetIds: ["subnet-0a"] },
    key: "agentVpcId",
    problem: /not a VPC id/,
    fix: /agentVpcId vpc-/,
  },
  {
    name: "subnet id",
    change: { agentVpcId: "vpc-0a", agentSubnetIds: ["sn-1"] },
    key: "agentSubnetIds",
    problem: /"sn-1" is not a subnet id/,
    fix: /edit tfc-jit-aws:agentSubnetIds/,
  },
  {
    name: "VPC without subnets",
    change: { agentVpcId: "vpc-0a" },
    key: "agentSubnetIds",
    problem: /needs both the VPC and its subnets/,
    fix: /remove tfc-jit-aws:agentVpcId/,
  },
  {
    name: "subnets without VPC",
    change: { agentSubnetIds: ["subnet-0a"] },
    key: "agentVpcId",
    problem: /needs both/,
    fix: /remove tfc-jit-aws:agentSubnetIds/,
  },
  {
    name: "VPC CIDR",
    change: { agentVpcCidr: "10.0.0.0/28" },
    key: "agentVpcCidr",
    problem: /\/24 or larger/,
    fix: /agentVpcCidr 10\.42\.0\.0\/16/,
  },
  {
    name: "egress CIDR",
    change: { agentEgressCidrs: ["0.0.0.0/33"] },
    key: "agentEgressCidrs",
    problem: /not an IPv4 CIDR/,
    fix: /edit tfc-jit-aws:agentEgressCidrs/,
  },
  {
    name: "no egress at all",
    change: { agentEgressCidrs: [] },
    key: "agentEgressCidrs",
    problem: /is empty, so agents could reach nothing/,
    fix: /0\.0\.0\.0\/0/,
  },
  {
    name: "public IP setting",
    change: { agentAssignPublicIp: "yes" },
    key: "agentAssignPublicIp",
    problem: /one of auto, true, false/,
    fix: /agentAssignPublicIp auto/,
  },
  {
    name: "Docker host",
    change: { agentRuntime: "docker", dockerHost: "docker-host:2375" },
    key: "dockerHost",
    problem: /not a Docker host address/,
    fix: /dockerHost ssh:\/\//,
  },
  {
    name: "Docker host over plain tcp to another machine",
    change: { agentRuntime: "docker", dockerHost: "tcp://docker-host:2375" },
    key: "dockerHost",
    problem: /plain tcp:\/\/ to another machine.*agent token unencrypted/,
    fix: /dockerHost ssh:\/\//,
  },
  {
    name: "project id",
    change: { tfcProjectId: "project-1" },
    key: "tfcProjectId",
    problem: /not a project id/,
    fix: /tfcProjectId prj-/,
  },
  {
    name: "VCS repo format",
    change: { demoVcsRepo: "hashicat-aws" },
    key: "demoVcsRepo",
    problem: /not <owner>\/<repository>/,
    fix: /demoVcsRepo my-github-user\/hashicat-aws/,
  },
  {
    name: "two VCS connections",
    change: { vcsGithubAppInstallationId: "ghain-1" },
    key: "vcsOauthTokenId",
    problem: /one VCS connection/,
    fix: /remove one of/,
  },
  {
    name: "OAuth token id",
    change: { vcsOauthTokenId: "token-1" },
    key: "vcsOauthTokenId",
    problem: /not an OAuth token id/,
    fix: /vcsOauthTokenId ot-/,
  },
  {
    name: "GitHub App installation id",
    change: { vcsOauthTokenId: null, vcsGithubAppInstallationId: "gh-1" },
    key: "vcsGithubAppInstallationId",
    problem: /not a GitHub App installation id/,
    fix: /ghain-/,
  },
  {
    name: "Terraform version",
    change: { demoTerraformVersion: "~> 1.9" },
    key: "demoTerraformVersion",
    problem: /not an exact x\.y\.z Terraform version/,
    fix: /demoTerraformVersion 1\.9\.8/,
  },
  {
    name: "demo prefix",
    change: { demoPrefix: "Acme Demo" },
    key: "demoPrefix",
    problem: /lower-case letters/,
    fix: /demoPrefix acme-demo/,
  },
  {
    name: "demo region",
    change: { demoAwsRegion: "mars-1" },
    key: "demoAwsRegion",
    problem: /not an AWS region/,
    fix: /demoAwsRegion us-east-1/,
  },
  {
    name: "Vault namespace",
    change: { vaultNamespace: "/admin//x" },
    key: "vaultNamespace",
    problem: /not a Vault namespace path/,
    fix: /vaultNamespace admin/,
  },
  {
    name: "Vault CA",
    change: { vaultCaCertPem: "not a pem" },
    key: "vaultCaCertPem",
    problem: /not a PEM certificate/,
    fix: /cat vault-ca\.pem/,
  },
  {
    name: "phases with different credential types",
    change: { applyCredentialType: "federation_token" },
    key: "applyCredentialType",
    problem: /one TFC_VAULT_BACKED_AWS_AUTH_TYPE for both phases/,
    fix: /applyCredentialType iam_user/,
  },
  {
    name: "two role ARNs for one phase",
    change: {
      planCredentialType: "assumed_role",
      applyCredentialType: "assumed_role",
      planRoleArns: ["arn:aws:iam::123456789012:role/a", "arn:aws:iam::123456789012:role/b"],
      applyRoleArns: ["arn:aws:iam::123456789012:role/c"],
    },
    key: "planRoleArns",
    problem: /exactly one TFC_VAULT_BACKED_AWS_<PHASE>_ROLE_ARN/,
    fix: /keep one ARN in tfc-jit-aws:planRoleArns/,
  },
  {
    name: "named project without its id",
    change: { tfcProject: "Platform Team" },
    key: "tfcProjectId",
    problem: /bind project "Platform Team"/,
    fix: /the id of "Platform Team"/,
  },
];

describe("agent and workspace config validation", () => {
  for (const c of CASES) {
    it(`${c.name}: names tfc-jit-aws:${c.key} and the fix`, () => {
      const found = problems(c.change, c.secrets);
      assert.equal(found.length, 1, `expected one problem, got:\n${found.map((e) => e.message).join("\n")}`);
      const [e] = found;
      assert.equal(e.key, `tfc-jit-aws:${c.key}`);
      assert.match(e.problem, c.problem);
      assert.match(e.fix, c.fix);
    });
  }

  it("never echoes the registry password in a problem", () => {
    const found = problems(
      { imageRegistryServer: "ghcr.io", imageRepository: "docker.io/x/y" },
      { ...SECRETS, imageRegistryPassword: "ghcr-password-never-in-plaintext" },
    );
    assert.ok(found.length >= 1);
    for (const e of found) assert.ok(!e.message.includes("ghcr-password-never-in-plaintext"));
  });

  it("reads the dev defaults: ECS, 2 agents, private ECR, agent 1.22.5 on linux/amd64, a created VPC with public IPs", () => {
    const { agent } = readStackConfig(devSource());
    assert.deepEqual(agent.image, {
      source: { kind: "ecr", repositoryName: "tfc-jit-aws/dev-agent" },
      tfcAgentVersion: "1.22.5",
      tfcAgentDigest: USER_SET.tfcAgentDigest,
      nodeImageDigest: USER_SET.nodeImageDigest,
      platform: "linux/amd64",
    });
    assert.equal(agent.runtime, "ecs");
    assert.equal(agent.count, 2);
    assert.equal(agent.ecs.network.existing, undefined);
    assert.equal(agent.ecs.network.assignPublicIp, true);
    assert.equal(agent.ecs.scaling, undefined);
  });

  it("refuses to build the image without both base-image digests, naming each key and how to get the digest", () => {
    const found = problems({ tfcAgentDigest: null, nodeImageDigest: null });
    const agentProblem = found.find((p) => p.key === "tfc-jit-aws:tfcAgentDigest");
    const nodeProblem = found.find((p) => p.key === "tfc-jit-aws:nodeImageDigest");
    assert.match(agentProblem?.fix ?? "", /docker buildx imagetools inspect hashicorp\/tfc-agent:1\.22\.5/);
    assert.match(
      nodeProblem?.fix ?? "",
      /docker buildx imagetools inspect node:\$\(cat \.node-version\)-bookworm-slim/,
    );
    // A pre-built image needs neither.
    const prebuilt = readStackConfig(
      devSource({
        tfcAgentDigest: null,
        nodeImageDigest: null,
        ecrRepositoryName: null,
        agentImage: `ghcr.io/acme/a@${DIGEST}`,
      }),
    );
    assert.equal(prebuilt.agent.image.source.kind, "prebuilt");
  });

  it("restricts the agent pool to the demo workspace unless agentPoolOrganizationScoped is true", () => {
    assert.equal(readStackConfig(devSource()).agent.pool.organizationScoped, false);
    const open = readStackConfig(devSource({ agentPoolOrganizationScoped: true }));
    assert.equal(open.agent.pool.organizationScoped, true);
  });

  it("accepts private Docker hosts: ssh://, unix:// and tcp:// on loopback", () => {
    for (const dockerHost of [
      "ssh://ops@docker-host",
      "unix:///var/run/docker.sock",
      "tcp://127.0.0.1:2375",
      "tcp://localhost:2375",
    ]) {
      assert.deepEqual(problems({ agentRuntime: "docker", dockerHost }), [], dockerHost);
    }
  });

  it("uses an existing network without public IPs unless asked, and scales only above the count", () => {
    const { agent } = readStackConfig(
      devSource({ agentVpcId: "vpc-0a", agentSubnetIds: ["subnet-0a", "subnet-0b"], agentMaxCount: 6 }),
    );
    assert.deepEqual(agent.ecs.network.existing, { vpcId: "vpc-0a", subnetIds: ["subnet-0a", "subnet-0b"] });
    assert.equal(agent.ecs.network.assignPublicIp, false);
    assert.deepEqual(agent.ecs.scaling, { maxCount: 6, cpuTargetPercent: 70 });
  });

  it("base64-encodes the Vault CA for the hooks", () => {
    const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    const { workspace } = readStackConfig(devSource({ vaultCaCertPem: pem }));
    // Config values are trimmed; a PEM without its final newline is still a valid PEM.
    assert.equal(Buffer.from(workspace.vaultEncodedCaCert ?? "", "base64").toString("utf8"), pem.trim());
  });

  it("compares agent versions numerically", () => {
    assert.ok(versionAtLeast("1.17.1", "1.17.1"));
    assert.ok(versionAtLeast("1.100.0", "1.17.1"));
    assert.ok(!versionAtLeast("1.9.9", "1.17.1"));
    assert.ok(!versionAtLeast("1.17", "1.17.1"));
  });

  it("accepts only IPv4 CIDRs with valid octets and prefix", () => {
    assert.ok(isCidr("10.0.0.0/8"));
    assert.ok(!isCidr("256.0.0.0/8"));
    assert.ok(!isCidr("10.0.0.0"));
  });
});

/**
 * The agent image, the agent pool and the agents' runtime: stack configuration read once,
 * validated without Pulumi, returned as plain typed values for AgentImage and AgentPool. Every
 * problem names the key and the fix and is collected on the reader (nothing is created from a
 * bad stack file).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { ConfigReader } from "./reader";

/** The oldest agent whose per-hook timeouts (set in the image) are honoured. */
export const MIN_TFC_AGENT_VERSION = "1.17.1";
export const DEFAULT_TFC_AGENT_VERSION = "1.22.5";
export const PLATFORMS = ["linux/amd64", "linux/arm64"] as const;
export type Platform = (typeof PLATFORMS)[number];
export const RUNTIMES = ["ecs", "docker"] as const;
export type AgentRuntimeKind = (typeof RUNTIMES)[number];
/** trace/debug agent logs may contain secrets: not offered. */
export const AGENT_LOG_LEVELS = ["info", "warn", "error"] as const;
export type AgentLogLevel = (typeof AGENT_LOG_LEVELS)[number];

/** A registry the user brings instead of the private ECR repository. */
export interface ExternalRegistry {
  /** Registry host, e.g. `ghcr.io`. */
  readonly server: string;
  /** Full repository name without tag, starting with the server, e.g. `ghcr.io/acme/tfc-agent`. */
  readonly repository: string;
  readonly username: string;
  /** Secret. */
  readonly password: pulumi.Output<string>;
}

export type ImageSource =
  /** Build and push to a private ECR repository the program creates. */
  | { readonly kind: "ecr"; readonly repositoryName: string }
  /** Build and push to a registry given in config. */
  | { readonly kind: "registry"; readonly registry: ExternalRegistry }
  /** Use an image built elsewhere, by digest (no Docker daemon needed, e.g. Pulumi Deployments). */
  | { readonly kind: "prebuilt"; readonly repoDigest: string };

export interface ImageSettings {
  readonly source: ImageSource;
  readonly tfcAgentVersion: string;
  /** `sha256:<hex>` of the agent base image; set whenever the image is built (not prebuilt). */
  readonly tfcAgentDigest?: string;
  /** `sha256:<hex>` of the Node build image (node:<.node-version>-bookworm-slim); set whenever built. */
  readonly nodeImageDigest?: string;
  readonly platform: Platform;
}

export interface EcsNetworkSettings {
  /** Existing VPC and subnets, or undefined: the program creates a small VPC. */
  readonly existing?: { readonly vpcId: string; readonly subnetIds: string[] };
  /** CIDR of the VPC the program creates. */
  readonly vpcCidr: string;
  /** Public IP on the task ENI (needed in public subnets without NAT, as in the created VPC). */
  readonly assignPublicIp: boolean;
  /** Where agents may connect (HCP Terraform, Vault, registries, provider downloads). */
  readonly egressCidrs: string[];
  /**
   * Created VPC only: tasks in private subnets behind one NAT gateway with an Elastic IP, so their
   * source address is fixed and known (docs/network.md).
   */
  readonly fixedEgress: boolean;
}

export interface EcsSettings {
  readonly cpu: number;
  readonly memory: number;
  readonly logRetentionDays: number;
  readonly network: EcsNetworkSettings;
  /** CPU target tracking between desiredCount and maxCount; undefined = fixed count. */
  readonly scaling?: { readonly maxCount: number; readonly cpuTargetPercent: number };
}

export interface AgentSettings {
  readonly image: ImageSettings;
  readonly pool: { readonly name: string; readonly organizationScoped: boolean };
  readonly runtime: AgentRuntimeKind;
  /** How many agents run (ECS desired count / Docker containers). */
  readonly count: number;
  readonly logLevel: AgentLogLevel;
  readonly ecs: EcsSettings;
  /** Docker host for the `docker` runtime (`unix://...`, `tcp://...`, `ssh://...`); undefined = local default. */
  readonly dockerHost?: string;
  /**
   * Source addresses Vault sees the agents connect from, listed by the operator (an existing
   * network's NAT, the Docker host's egress); the JWT roles are bound to them. Empty = not known.
   */
  readonly egressAddresses: string[];
}

const SEMVER = /^(\d+)\.(\d+)\.(\d+)$/;
const SHA256 = /^sha256:[a-f0-9]{64}$/;
const REPO_DIGEST = /^[a-z0-9][a-z0-9._\-/:]*@sha256:[a-f0-9]{64}$/;
const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d|[12]\d|3[0-2])$/;
const POOL_NAME = /^[A-Za-z0-9][A-Za-z0-9 _.-]{0,89}$/;
const ECR_NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/;

/** Whether `version` (x.y.z) is at least `minimum` (x.y.z). */
export function versionAtLeast(version: string, minimum: string): boolean {
  const a = SEMVER.exec(version);
  const b = SEMVER.exec(minimum);
  if (!a || !b) return false;
  for (let i = 1; i <= 3; i++) {
    const d = Number(a[i]) - Number(b[i]);
    if (d !== 0) return d > 0;
  }
  return true;
}

export function isCidr(value: string): boolean {
  const m = CIDR.exec(value);
  return m !== null && m.slice(1, 5).every((o) => Number(o) <= 255);
}

function readImage(r: ConfigReader): ImageSettings {
  const version = r.string("tfcAgentVersion", DEFAULT_TFC_AGENT_VERSION);
  if (version === "latest" || !SEMVER.test(version)) {
    r.fail(
      "tfcAgentVersion",
      `"${version}" is not an exact x.y.z version (a moving tag would change the agent under the pinned hooks)`,
      `pulumi config set ${r.fullKey("tfcAgentVersion")} ${DEFAULT_TFC_AGENT_VERSION}`,
    );
  } else if (!versionAtLeast(version, MIN_TFC_AGENT_VERSION)) {
    r.fail(
      "tfcAgentVersion",
      `${version} is older than ${MIN_TFC_AGENT_VERSION}, which ignores the per-hook timeouts the image sets`,
      `pulumi config set ${r.fullKey("tfcAgentVersion")} ${DEFAULT_TFC_AGENT_VERSION}`,
    );
  }
  const digest = r.optionalString("tfcAgentDigest");
  if (digest !== undefined && !SHA256.test(digest)) {
    r.fail(
      "tfcAgentDigest",
      `"${digest}" is not an image digest (sha256: and 64 lower-case hex digits)`,
      `pulumi config set ${r.fullKey("tfcAgentDigest")} sha256:<digest of hashicorp/tfc-agent:${version}>, or remove it`,
    );
  }
  const nodeDigest = r.optionalString("nodeImageDigest");
  if (nodeDigest !== undefined && !SHA256.test(nodeDigest)) {
    r.fail(
      "nodeImageDigest",
      `"${nodeDigest}" is not an image digest (sha256: and 64 lower-case hex digits)`,
      `pulumi config set ${r.fullKey("nodeImageDigest")} sha256:<digest of node:$(cat .node-version)-bookworm-slim>`,
    );
  }
  const platform = r.oneOf("imagePlatform", PLATFORMS, "linux/amd64");

  const prebuilt = r.optionalString("agentImage");
  const registryKeys = ["imageRegistryServer", "imageRepository", "imageRegistryUsername"] as const;
  const registryValues = registryKeys.map((k) => r.optionalString(k));
  const password = r.optionalSecret("imageRegistryPassword");
  const anyRegistry = registryValues.some((v) => v !== undefined) || password !== undefined;

  let source: ImageSource;
  if (prebuilt !== undefined) {
    if (!REPO_DIGEST.test(prebuilt)) {
      r.fail(
        "agentImage",
        `"${prebuilt}" is not an image reference by digest (<repository>@sha256:<64 hex>); tags are mutable`,
        `pulumi config set ${r.fullKey("agentImage")} <repository>@sha256:<digest>, or remove it to build the image`,
      );
    }
    if (anyRegistry) {
      r.fail(
        "agentImage",
        "is set together with imageRegistry* keys, but a pre-built image is not pushed anywhere",
        `remove ${r.fullKey("agentImage")} to build and push, or remove the imageRegistry* keys`,
      );
    }
    source = { kind: "prebuilt", repoDigest: prebuilt };
  } else if (anyRegistry) {
    registryKeys.forEach((k, i) => {
      if (registryValues[i] === undefined) {
        r.fail(
          k,
          "is not set, but an external registry needs its server, repository, username and password",
          `pulumi config set ${r.fullKey(k)} <value>, or remove the other imageRegistry* keys to use a private ECR repository`,
        );
      }
    });
    if (password === undefined) {
      r.fail(
        "imageRegistryPassword",
        "is not set, but an external registry needs its server, repository, username and password",
        `pulumi config set --secret ${r.fullKey("imageRegistryPassword")} <token>`,
      );
    }
    const [server = "", repository = "", username = ""] = registryValues;
    if (server !== "" && repository !== "" && !repository.startsWith(`${server}/`)) {
      r.fail(
        "imageRepository",
        `"${repository}" is not in the registry ${server}`,
        `pulumi config set ${r.fullKey("imageRepository")} ${server}/<owner>/<name>`,
      );
    }
    if (/[:@]/.test(repository.slice(server.length + 1))) {
      r.fail(
        "imageRepository",
        "must not carry a tag or digest (the program tags each build by content)",
        `pulumi config set ${r.fullKey("imageRepository")} ${server || "<server>"}/<owner>/<name>`,
      );
    }
    source = {
      kind: "registry",
      registry: { server, repository, username, password: password as pulumi.Output<string> },
    };
  } else {
    const repositoryName = r.string("ecrRepositoryName", "tfc-jit-aws/tfc-agent");
    if (!ECR_NAME.test(repositoryName)) {
      r.fail(
        "ecrRepositoryName",
        `"${repositoryName}" is not an ECR repository name (lower-case letters, digits, ., _, -, /)`,
        `pulumi config set ${r.fullKey("ecrRepositoryName")} tfc-jit-aws/tfc-agent`,
      );
    }
    source = { kind: "ecr", repositoryName };
  }
  if (source.kind !== "prebuilt") {
    // Both base images are pinned by content when this program builds the image (hooks/Dockerfile
    // has no default digest); a tag alone could change what the agents run.
    if (digest === undefined) {
      r.fail(
        "tfcAgentDigest",
        `is required to build the agent image: the hashicorp/tfc-agent:${version} base is pinned by digest, not by tag`,
        `docker buildx imagetools inspect hashicorp/tfc-agent:${version} (the "Digest:" line), then pulumi config set ${r.fullKey("tfcAgentDigest")} sha256:<digest>; or set ${r.fullKey("agentImage")} to an image built elsewhere`,
      );
    }
    if (nodeDigest === undefined) {
      r.fail(
        "nodeImageDigest",
        "is required to build the agent image: the Node build image (node:<.node-version>-bookworm-slim) is pinned by digest, not by tag",
        `docker buildx imagetools inspect node:$(cat .node-version)-bookworm-slim (the "Digest:" line), then pulumi config set ${r.fullKey("nodeImageDigest")} sha256:<digest>; or set ${r.fullKey("agentImage")} to an image built elsewhere`,
      );
    }
  }
  return {
    source,
    tfcAgentVersion: version,
    ...(digest !== undefined ? { tfcAgentDigest: digest } : {}),
    ...(nodeDigest !== undefined ? { nodeImageDigest: nodeDigest } : {}),
    platform,
  };
}

function readNetwork(r: ConfigReader): EcsNetworkSettings {
  const vpcId = r.optionalString("agentVpcId");
  const subnetIds = r.stringList("agentSubnetIds", []);
  if (vpcId !== undefined && !/^vpc-[a-f0-9]+$/.test(vpcId)) {
    r.fail(
      "agentVpcId",
      `"${vpcId}" is not a VPC id`,
      `pulumi config set ${r.fullKey("agentVpcId")} vpc-0123abcd`,
    );
  }
  const badSubnet = subnetIds.find((s) => !/^subnet-[a-f0-9]+$/.test(s));
  if (badSubnet !== undefined) {
    r.fail(
      "agentSubnetIds",
      `"${badSubnet}" is not a subnet id`,
      `edit ${r.fullKey("agentSubnetIds")} in Pulumi.<stack>.yaml`,
    );
  }
  if ((vpcId === undefined) !== (subnetIds.length === 0)) {
    const missing = vpcId === undefined ? "agentVpcId" : "agentSubnetIds";
    r.fail(
      missing,
      "is not set, but an existing network needs both the VPC and its subnets",
      `set ${r.fullKey(missing)}, or remove ${r.fullKey(missing === "agentVpcId" ? "agentSubnetIds" : "agentVpcId")} to let the program create a small VPC`,
    );
  }
  const vpcCidr = r.string("agentVpcCidr", "10.42.0.0/16");
  if (!isCidr(vpcCidr) || Number(vpcCidr.split("/")[1]) > 24) {
    r.fail(
      "agentVpcCidr",
      `"${vpcCidr}" is not an IPv4 CIDR of /24 or larger`,
      `pulumi config set ${r.fullKey("agentVpcCidr")} 10.42.0.0/16`,
    );
  }
  const egressCidrs = r.stringList("agentEgressCidrs", ["0.0.0.0/0"]);
  const badCidr = egressCidrs.find((c) => !isCidr(c));
  if (badCidr !== undefined || egressCidrs.length === 0) {
    r.fail(
      "agentEgressCidrs",
      badCidr !== undefined ? `"${badCidr}" is not an IPv4 CIDR` : "is empty, so agents could reach nothing",
      `edit ${r.fullKey("agentEgressCidrs")} in Pulumi.<stack>.yaml (a YAML list, e.g. [0.0.0.0/0])`,
    );
  }
  // auto: the created VPC has public subnets and no NAT, so tasks there need a public IP; in an
  // existing network the subnets' own routing (NAT, endpoints) decides, so none by default.
  // With fixed egress the tasks sit in private subnets and leave through the NAT gateway.
  const fixedEgress = r.boolean("agentFixedEgress", false);
  const publicIp = r.oneOf("agentAssignPublicIp", ["auto", "true", "false"] as const, "auto");
  const assignPublicIp = publicIp === "auto" ? vpcId === undefined && !fixedEgress : publicIp === "true";
  if (fixedEgress && vpcId !== undefined) {
    r.fail(
      "agentFixedEgress",
      "is true, but the program creates a NAT gateway only in the VPC it creates, not in the existing agentVpcId",
      `list your network's NAT addresses in ${r.fullKey("agentEgressAddresses")} and pulumi config rm ${r.fullKey("agentFixedEgress")}`,
    );
  }
  if (fixedEgress && publicIp === "true") {
    r.fail(
      "agentAssignPublicIp",
      "is true, but with agentFixedEgress the tasks run in private subnets and leave through the NAT gateway's address",
      `pulumi config set ${r.fullKey("agentAssignPublicIp")} auto`,
    );
  }
  return {
    ...(vpcId !== undefined && subnetIds.length > 0 ? { existing: { vpcId, subnetIds } } : {}),
    vpcCidr,
    assignPublicIp,
    egressCidrs,
    fixedEgress,
  };
}

/**
 * `agentEgressAddresses`: the operator's list of where agents connect from. Refused where the
 * program knows better (the VPC it creates) or where no list can be right (changing public IPs).
 */
function readEgressAddresses(
  r: ConfigReader,
  runtime: AgentRuntimeKind,
  network: EcsNetworkSettings,
): string[] {
  const key = "agentEgressAddresses";
  const addresses = r.stringList(key, []);
  const bad = addresses.find((a) => !isCidr(a));
  if (bad !== undefined) {
    r.fail(
      key,
      `"${bad}" is not an IPv4 CIDR (write a single address as a.b.c.d/32)`,
      `edit ${r.fullKey(key)} in Pulumi.<stack>.yaml (a YAML list, e.g. [198.51.100.7/32])`,
    );
  }
  const open = addresses.find((a) => isCidr(a) && Number(a.split("/")[1]) === 0);
  if (open !== undefined) {
    r.fail(
      key,
      `"${open}" matches every address, so it would bind nothing`,
      `list the agents' egress addresses (a.b.c.d/32) in ${r.fullKey(key)}, or remove the key`,
    );
  }
  if (runtime === "ecs" && network.existing === undefined && addresses.length > 0) {
    // The demo Vault is reached inside the VPC: the program binds the agent subnets itself.
    const demoVault = r.optionalString("vaultMode") === "demo";
    r.fail(
      key,
      demoVault
        ? "is set, but with vaultMode demo the agents reach Vault inside the VPC and the program binds their subnets itself"
        : network.fixedEgress
          ? "is set, but with agentFixedEgress the program binds the NAT gateway's Elastic IP itself"
          : "is set, but tasks in the VPC the program creates get a new public IP each time they start, so no list can be right",
      demoVault || network.fixedEgress
        ? `pulumi config rm ${r.fullKey(key)}`
        : `pulumi config set ${r.fullKey("agentFixedEgress")} true and pulumi config rm ${r.fullKey(key)}`,
    );
  }
  return addresses;
}

/** Fargate's valid CPU units and the memory range (MiB) each allows. */
const FARGATE_MEMORY: Readonly<Record<number, [number, number]>> = {
  256: [512, 2048],
  512: [1024, 4096],
  1024: [2048, 8192],
  2048: [4096, 16384],
  4096: [8192, 30720],
};

function readEcs(r: ConfigReader, count: number): EcsSettings {
  const cpu = r.integer("agentCpu", 1024, { min: 256, max: 4096 });
  const memory = r.integer("agentMemory", 2048, { min: 512, max: 30720 });
  const range = FARGATE_MEMORY[cpu];
  if (range === undefined) {
    r.fail(
      "agentCpu",
      `${cpu} is not a Fargate CPU size (256, 512, 1024, 2048, 4096)`,
      `pulumi config set ${r.fullKey("agentCpu")} 1024`,
    );
  } else if (memory < range[0] || memory > range[1] || (memory % 1024 !== 0 && memory !== 512)) {
    r.fail(
      "agentMemory",
      `${memory} MiB does not fit Fargate CPU ${cpu} (${range[0]} to ${range[1]} MiB, whole GiB)`,
      `pulumi config set ${r.fullKey("agentMemory")} ${range[0]}`,
    );
  }
  const logRetentionDays = r.integer("agentLogRetentionDays", 30, { min: 1, max: 3653 });
  // 0 (the default) = a fixed count; above agentCount = CPU target tracking up to it.
  const maxCount = r.integer("agentMaxCount", 0, { min: 0, max: 100 });
  const cpuTargetPercent = r.integer("agentScaleCpuPercent", 70, { min: 10, max: 95 });
  if (maxCount !== 0 && maxCount < count) {
    r.fail(
      "agentMaxCount",
      `(${maxCount}) is below agentCount (${count})`,
      `pulumi config set ${r.fullKey("agentMaxCount")} ${count * 2}, or 0 for a fixed count`,
    );
  }
  return {
    cpu,
    memory,
    logRetentionDays,
    network: readNetwork(r),
    ...(maxCount > count ? { scaling: { maxCount, cpuTargetPercent } } : {}),
  };
}

/**
 * Reads and validates the agent keys. Problems are recorded on `r`; call `r.throwIfInvalid()`
 * after all reads (this function does not throw by itself).
 */
export function readAgentSettings(r: ConfigReader): AgentSettings {
  const image = readImage(r);
  const name = r.string("agentPoolName", "tfc-jit-aws");
  if (!POOL_NAME.test(name)) {
    r.fail(
      "agentPoolName",
      `"${name}" must be 1 to 90 letters, digits, space, _, . or -`,
      `pulumi config set ${r.fullKey("agentPoolName")} tfc-jit-aws`,
    );
  }
  // Least privilege by default: only the demo workspace may run on the pool (it is allowed by an
  // AgentPoolAllowedWorkspaces resource). true opens the pool, and the agents' network position,
  // to every workspace of the organization.
  const organizationScoped = r.boolean("agentPoolOrganizationScoped", false);
  const runtime = r.oneOf("agentRuntime", RUNTIMES, "ecs");
  const count = r.integer("agentCount", 2, { min: 1, max: 100 });
  const logLevel = r.oneOf("agentLogLevel", AGENT_LOG_LEVELS, "info");
  const ecs = readEcs(r, count);
  if (runtime !== "ecs" && ecs.network.fixedEgress) {
    r.fail(
      "agentFixedEgress",
      `is true, but it applies to the ECS runtime's VPC, and agentRuntime is ${runtime}`,
      `list the Docker host's egress addresses in ${r.fullKey("agentEgressAddresses")} and pulumi config rm ${r.fullKey("agentFixedEgress")}`,
    );
  }
  const egressAddresses = readEgressAddresses(r, runtime, ecs.network);
  const dockerHost = r.optionalString("dockerHost");
  if (dockerHost !== undefined && !/^(unix|tcp|ssh|npipe):\/\/\S+$/.test(dockerHost)) {
    r.fail(
      "dockerHost",
      `"${dockerHost}" is not a Docker host address (unix://, tcp:// or ssh://)`,
      `pulumi config set ${r.fullKey("dockerHost")} ssh://user@docker-host`,
    );
  } else if (dockerHost !== undefined && isPlainTcpToAnotherMachine(dockerHost)) {
    // The agent token is handed to the daemon in the container's environment: over plain tcp://
    // it would cross the network unencrypted, to a daemon that authenticates nobody.
    r.fail(
      "dockerHost",
      "uses plain tcp:// to another machine, which would send the agent token unencrypted to an unauthenticated Docker daemon",
      `pulumi config set ${r.fullKey("dockerHost")} ssh://user@docker-host`,
    );
  }
  return {
    image,
    pool: { name, organizationScoped },
    runtime,
    count,
    logLevel,
    ecs,
    ...(dockerHost !== undefined ? { dockerHost } : {}),
    egressAddresses,
  };
}

/** `tcp://` anywhere but this machine's loopback (Docker's `unix://` and `ssh://` are private). */
function isPlainTcpToAnotherMachine(dockerHost: string): boolean {
  if (!dockerHost.startsWith("tcp://")) return false;
  const host = dockerHost
    .slice("tcp://".length)
    .replace(/[:/].*$/, "")
    .replace(/^\[|\]$/g, "");
  return !["localhost", "127.0.0.1", "::1", ""].includes(host) && !/^127\./.test(host);
}

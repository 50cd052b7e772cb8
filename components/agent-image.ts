/**
 * AgentImage: the tfc-agent image with our hooks (hooks/Dockerfile), built and pushed with
 * docker.Image to a private ECR repository it creates (immutable tags, scan on push) or to a
 * registry from config; or an image built elsewhere, taken by digest. Consumers get `repoDigest`
 * (`<repository>@sha256:...`), never a tag, so agents run exactly the image that was pushed.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as docker from "@pulumi/docker";
import * as path from "node:path";
import { DOCKERFILE, contentTag } from "./agent-image-context";

/** Where the image goes. */
export type AgentImageTarget =
  /** A private ECR repository created here. */
  | { readonly kind: "ecr"; readonly repositoryName: pulumi.Input<string> }
  /** A registry the user brings; the password stays secret. */
  | {
      readonly kind: "registry";
      readonly server: pulumi.Input<string>;
      /** Full repository name without tag, e.g. `ghcr.io/acme/tfc-agent`. */
      readonly repository: pulumi.Input<string>;
      readonly username: pulumi.Input<string>;
      readonly password: pulumi.Input<string>;
    }
  /** Built elsewhere: `<repository>@sha256:<hex>`. Nothing is built or pushed. */
  | { readonly kind: "prebuilt"; readonly repoDigest: pulumi.Input<string> };

export interface AgentImageArgs {
  readonly target: AgentImageTarget;
  /** hashicorp/tfc-agent version of the base image (x.y.z, >= 1.17.1). */
  readonly tfcAgentVersion: string;
  /** `sha256:<hex>` of the agent base image (required unless the target is prebuilt). */
  readonly tfcAgentDigest?: string;
  /** `sha256:<hex>` of the Node build image (required unless the target is prebuilt). */
  readonly nodeImageDigest?: string;
  /** Build platform, e.g. `linux/amd64` (default) or `linux/arm64`. */
  readonly platform?: string;
  /** Repository root: the build context (hooks/Dockerfile builds from the root lockfile). */
  readonly contextDir: string;
}

/** Registry credentials a runtime needs to pull the image (password secret). */
export interface RegistryAuth {
  readonly address: pulumi.Output<string>;
  readonly username: pulumi.Output<string>;
  readonly password: pulumi.Output<string>;
}

const SHA256 = /^sha256:[a-f0-9]{64}$/;

/**
 * The build arguments hooks/Dockerfile declares; node's version is pinned in the Dockerfile. Both
 * base images go by digest: the Dockerfile has no default, so refuse here with a clear message.
 */
export function imageBuildArgs(args: AgentImageArgs): Record<string, string> {
  for (const [key, value] of [
    ["tfcAgentDigest", args.tfcAgentDigest],
    ["nodeImageDigest", args.nodeImageDigest],
  ] as const) {
    if (value === undefined || !SHA256.test(value))
      throw new Error(
        `AgentImage: ${key} must be a sha256:<hex> digest to build the image (got "${value ?? ""}"); check: docker buildx imagetools inspect <image>`,
      );
  }
  return {
    TFC_AGENT_VERSION: args.tfcAgentVersion,
    TFC_AGENT_DIGEST: args.tfcAgentDigest ?? "",
    NODE_DIGEST: args.nodeImageDigest ?? "",
  };
}

/**
 * The pushed image's `<repository>@sha256:<hex>`. docker.Image reports a bare image id for an
 * image that was only built locally: refuse it rather than let agents run something unpushed.
 */
export function requirePushedDigest(name: string, digest: string): string {
  if (!/^[^@\s]+@sha256:[a-f0-9]{64}$/.test(digest)) {
    throw new Error(
      `AgentImage ${name}: the image has no registry digest (got "${digest}"); check that the push to the registry succeeded`,
    );
  }
  return digest;
}

export class AgentImage extends pulumi.ComponentResource {
  /** `<repository>@sha256:<hex>`: what agents run. */
  public readonly repoDigest: pulumi.Output<string>;
  /** Credentials to pull the image, when it lives in a private registry we push to. */
  public readonly registryAuth?: RegistryAuth;
  /** The private ECR repository's ARN (ECR target only), for pull permissions. */
  public readonly repositoryArn?: pulumi.Output<string>;

  constructor(name: string, args: AgentImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("tfc-jit-aws:agent:AgentImage", name, {}, opts);
    const target = args.target;

    if (target.kind === "prebuilt") {
      this.repoDigest = pulumi.output(target.repoDigest);
    } else {
      const platform = args.platform ?? "linux/amd64";
      const buildArgs = imageBuildArgs(args);
      const tag = contentTag(args.contextDir, { ...buildArgs, PLATFORM: platform });

      let repository: pulumi.Output<string>;
      let auth: RegistryAuth;
      if (target.kind === "ecr") {
        const repo = new aws.ecr.Repository(
          `${name}-repo`,
          {
            name: target.repositoryName,
            // A tag, once pushed, always names the same image; the content tag changes with content.
            imageTagMutability: "IMMUTABLE",
            imageScanningConfiguration: { scanOnPush: true },
            encryptionConfigurations: [{ encryptionType: "AES256" }],
          },
          { parent: this },
        );
        // The account's default registry, where this provider creates the repository. (Passing
        // repo.registryId would add nothing and makes the invoke wait on the repository.)
        const token = aws.ecr.getAuthorizationTokenOutput({}, { parent: this });
        repository = repo.repositoryUrl;
        auth = {
          // The registry host of the repository URL (`<account>.dkr.ecr.<region>.amazonaws.com`).
          address: repo.repositoryUrl.apply((url) => url.split("/")[0]),
          username: token.userName,
          password: pulumi.secret(token.password),
        };
        this.repositoryArn = repo.arn;
      } else {
        repository = pulumi.output(target.repository);
        auth = {
          address: pulumi.output(target.server),
          username: pulumi.output(target.username),
          password: pulumi.secret(target.password),
        };
      }

      const image = new docker.Image(
        `${name}-image`,
        {
          imageName: pulumi.interpolate`${repository}:${tag}`,
          build: {
            context: args.contextDir,
            dockerfile: path.posix.join(args.contextDir, DOCKERFILE),
            platform,
            args: buildArgs,
          },
          registry: { server: auth.address, username: auth.username, password: auth.password },
        },
        // The provider echoes the registry block (with the password) into its outputs.
        { parent: this, additionalSecretOutputs: ["registry"] },
      );
      this.repoDigest = image.repoDigest.apply((digest) => requirePushedDigest(name, digest));
      this.registryAuth = auth;
    }

    this.registerOutputs({ repoDigest: this.repoDigest });
  }
}

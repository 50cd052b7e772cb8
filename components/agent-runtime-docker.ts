/**
 * The `docker` agent runtime: tfc-agent containers on one Docker host (the local daemon, or a
 * remote one through `ssh://`), for development and small setups. The image is pulled by digest;
 * the token reaches the container as an environment value that stays secret in Pulumi state.
 *
 * Every job starts from the image: the root filesystem is read-only and everything written goes
 * to tmpfs mounts (hooks/src/layout.ts writableMounts), which Docker discards when the single-job
 * agent exits and `restart` starts the container again. So nothing a run leaves (a planted hook,
 * a Terraform CLI config) reaches the next job (docs/agent-and-workspace.md, "Docker").
 * `no-new-privileges` is NOT set: the hooks start through sudo (docs/hooks.md).
 */
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { IMAGE_LAYOUT, writableMounts } from "../hooks/src/layout";

export interface DockerAgentsArgs {
  /** `<repository>@sha256:<hex>` of the agent image. */
  readonly image: pulumi.Input<string>;
  /** Credentials to pull from a private registry (password secret). */
  readonly registryAuth?: {
    readonly address: pulumi.Input<string>;
    readonly username: pulumi.Input<string>;
    readonly password: pulumi.Input<string>;
  };
  /** The agent pool token (secret). */
  readonly agentToken: pulumi.Input<string>;
  /** Plain agent environment (TFC_AGENT_SINGLE, TFC_AGENT_AUTO_UPDATE, TFC_ADDRESS, ...). */
  readonly environment: Readonly<Record<string, string>>;
  /** How many agent containers. */
  readonly count: number;
  /** `unix://`, `tcp://` or `ssh://` address of the Docker host; absent = the local default. */
  readonly host?: string;
  /** `linux/amd64` or `linux/arm64`. */
  readonly platform: string;
}

/** `KEY=value` lines for docker; the token line makes the whole list secret. */
export function containerEnvs(
  environment: Readonly<Record<string, string>>,
  agentToken: pulumi.Input<string>,
  agentName: string,
): pulumi.Output<string[]> {
  const plainEnvs = Object.entries({ ...environment, TFC_AGENT_NAME: agentName }).map(
    ([k, v]) => `${k}=${v}`,
  );
  return pulumi.secret(
    pulumi.output(agentToken).apply((token) => [...plainEnvs, `TFC_AGENT_TOKEN=${token}`]),
  );
}

export class DockerAgents extends pulumi.ComponentResource {
  public readonly containerNames: pulumi.Output<string>[];

  constructor(name: string, args: DockerAgentsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("tfc-jit-aws:agent:DockerAgents", name, {}, opts);

    const provider = new docker.Provider(
      `${name}-host`,
      {
        ...(args.host !== undefined ? { host: args.host } : {}),
        ...(args.registryAuth
          ? {
              registryAuth: [
                {
                  address: args.registryAuth.address,
                  username: args.registryAuth.username,
                  password: pulumi.secret(args.registryAuth.password),
                },
              ],
            }
          : {}),
      },
      { parent: this },
    );
    const onHost = { parent: this, provider };

    const image = new docker.RemoteImage(
      `${name}-image`,
      { name: args.image, platform: args.platform, keepLocally: true },
      onHost,
    );

    this.containerNames = [];
    for (let i = 0; i < args.count; i++) {
      const containerName = `${name}-${i}`;
      const container = new docker.Container(
        containerName,
        {
          name: containerName,
          image: image.imageId,
          envs: containerEnvs(args.environment, args.agentToken, containerName),
          // Single-job agents exit after each run; Docker starts the container again, from the
          // read-only image with empty tmpfs mounts: a fresh filesystem for every job.
          restart: "unless-stopped",
          readOnly: true,
          tmpfs: writableMounts(IMAGE_LAYOUT),
          mustRun: true,
          // Lets a running job finish its post hooks (credential revocation) on replacement.
          destroyGraceSeconds: 60,
          logDriver: "json-file",
          logOpts: { "max-size": "10m", "max-file": "3" },
        },
        { ...onHost, additionalSecretOutputs: ["envs"] },
      );
      this.containerNames.push(container.name);
    }
    this.registerOutputs({ containerNames: this.containerNames });
  }
}

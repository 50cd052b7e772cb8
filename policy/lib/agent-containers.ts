/** The tfc-agent containers a resource runs, whatever runs them (ECS task or Docker container). */
import type { ResourceValidationArgs } from "@pulumi/policy";
import { type ContainerEnv, dockerAgentContainer, ecsAgentContainers } from "./container-env";
import { TYPES } from "./resource-types";

/**
 * Agent containers of the resource; [] when it runs none; undefined when it should (an ECS task
 * definition) but its container definitions cannot be read.
 */
export function agentContainers(args: ResourceValidationArgs): ContainerEnv[] | undefined {
  if (args.type === TYPES.ecsTaskDefinition) return ecsAgentContainers(args.props.containerDefinitions);
  if (args.type === TYPES.dockerContainer) {
    const c = dockerAgentContainer(args.name, args.props.image, args.props.envs);
    return c ? [c] : [];
  }
  return [];
}

/** Reports one violation per agent container whose `key` is not `expected`. */
export function requireAgentEnv(
  args: ResourceValidationArgs,
  reportViolation: (message: string) => void,
  key: string,
  expected: string,
  why: string,
): void {
  const containers = agentContainers(args);
  if (containers === undefined) {
    reportViolation(`${args.name} has container definitions that are not a JSON list: fix them`);
    return;
  }
  for (const c of containers) {
    const value = c.env.get(key);
    if (value !== expected) {
      const got = c.env.has(key) ? (value === undefined ? "from a secret" : `"${value}"`) : "unset";
      reportViolation(
        `${args.name}: agent container ${c.name} has ${key} ${got}: set ${key}=${expected} (${why})`,
      );
    }
  }
}

/**
 * An ECS task definition is not a secret: its plain `environment` is stored as is and shown to
 * anyone with `ecs:DescribeTaskDefinition` (and in the console). The agent token, and anything
 * else named like a secret, must reach an agent container through `secrets` (`valueFrom` an SSM
 * SecureString or a Secrets Manager ARN), which ECS resolves only when the task starts.
 * Docker containers have no such mechanism; their `envs` are covered by secrets-stay-secret.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { ecsAgentContainers } from "../lib/container-env";
import { TYPES } from "../lib/resource-types";

/** Variable names that hold credentials: TFC_AGENT_TOKEN, VAULT_TOKEN, AWS_SECRET_ACCESS_KEY, ... */
const SECRET_NAME = /(^|_)(TOKEN|SECRET|PASSWORD|PASSWD)(_|$)/i;

export const agentSecretsFromSecretStore: ResourceValidationPolicy = {
  name: "agent-secrets-from-secret-store",
  description:
    "ECS agent containers take TFC_AGENT_TOKEN and other secret-named variables from secrets (SSM or Secrets Manager), never from the plain environment.",
  enforcementLevel: "mandatory",
  severity: "critical",
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.ecsTaskDefinition) return;
    const containers = ecsAgentContainers(args.props.containerDefinitions);
    if (containers === undefined) {
      reportViolation(`${args.name} has container definitions that are not a JSON list: fix them`);
      return;
    }
    for (const c of containers) {
      for (const [key, value] of c.env) {
        // undefined = the variable comes from `secrets`, which is what we want.
        if (value === undefined || !SECRET_NAME.test(key)) continue;
        reportViolation(
          `${args.name}: agent container ${c.name} has ${key} in its plain environment (stored in the task definition, readable with ecs:DescribeTaskDefinition): pass it in secrets, valueFrom an SSM SecureString or Secrets Manager ARN`,
        );
      }
    }
  },
};

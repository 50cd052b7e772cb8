/**
 * At `trace` or `debug` the tfc-agent logs can include secrets
 * (docs/upstream-behaviour.md#hcp-terraform-agent-and-hooks): the agent's own log
 * goes to CloudWatch or the Docker log, where run credentials must never be. An agent container
 * may leave TFC_AGENT_LOG_LEVEL unset (the agent's default, info) or set info, warn or error.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { agentContainers } from "../lib/agent-containers";

const VERBOSE = ["trace", "debug"];

export const agentLogLevelQuiet: ResourceValidationPolicy = {
  name: "agent-log-level-quiet",
  description: "tfc-agent containers do not log at trace or debug level (those logs can include secrets).",
  enforcementLevel: "mandatory",
  severity: "high",
  validateResource: (args, reportViolation) => {
    const containers = agentContainers(args);
    if (containers === undefined) {
      reportViolation(`${args.name} has container definitions that are not a JSON list: fix them`);
      return;
    }
    for (const c of containers) {
      const level = c.env.get("TFC_AGENT_LOG_LEVEL");
      if (level !== undefined && VERBOSE.includes(level.trim().toLowerCase())) {
        reportViolation(
          `${args.name}: agent container ${c.name} has TFC_AGENT_LOG_LEVEL "${level}", which can log secrets: set info (or warn, error)`,
        );
      }
    }
  },
};

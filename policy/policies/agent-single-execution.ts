/**
 * With `TFC_AGENT_SINGLE=true` an agent exits after one job, so no file, credential or process a
 * run leaves behind reaches the next run (the container is replaced).
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { requireAgentEnv } from "../lib/agent-containers";

export const agentSingleExecution: ResourceValidationPolicy = {
  name: "agent-single-execution",
  description: "tfc-agent containers run with TFC_AGENT_SINGLE=true: one job per container.",
  enforcementLevel: "mandatory",
  severity: "high",
  validateResource: (args, reportViolation) =>
    requireAgentEnv(args, reportViolation, "TFC_AGENT_SINGLE", "true", "a fresh container for every run"),
};

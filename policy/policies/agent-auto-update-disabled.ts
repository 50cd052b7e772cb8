/**
 * tfc-agent updates itself to the latest minor release by default, which silently replaces the
 * pinned, reviewed binary in our image: agents must run with `TFC_AGENT_AUTO_UPDATE=disabled`.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { requireAgentEnv } from "../lib/agent-containers";

export const agentAutoUpdateDisabled: ResourceValidationPolicy = {
  name: "agent-auto-update-disabled",
  description:
    "tfc-agent containers run with TFC_AGENT_AUTO_UPDATE=disabled, so the pinned image is what runs.",
  enforcementLevel: "mandatory",
  severity: "high",
  validateResource: (args, reportViolation) =>
    requireAgentEnv(
      args,
      reportViolation,
      "TFC_AGENT_AUTO_UPDATE",
      "disabled",
      "auto-update defeats image pinning",
    ),
};

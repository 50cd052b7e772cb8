/**
 * Agents run the image by digest (`<repository>@sha256:...`), or by local image id
 * (`sha256:...`, what a Docker host reports for a pulled image; content-addressed as well), never
 * by a tag: a tag can be moved to other content after review, a digest cannot.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { agentContainers } from "../lib/agent-containers";

const BY_DIGEST = /(^|@)sha256:[0-9a-f]{64}$/;

export const agentImageByDigest: ResourceValidationPolicy = {
  name: "agent-image-by-digest",
  description: "tfc-agent containers reference their image by sha256 digest, not by tag.",
  enforcementLevel: "mandatory",
  severity: "high",
  validateResource: (args, reportViolation) => {
    for (const c of agentContainers(args) ?? []) {
      if (!BY_DIGEST.test(c.image ?? "")) {
        reportViolation(
          `${args.name}: agent container ${c.name} runs image "${c.image ?? "(none)"}" by tag: use the pushed image's repo digest (<repository>@sha256:...)`,
        );
      }
    }
  },
};

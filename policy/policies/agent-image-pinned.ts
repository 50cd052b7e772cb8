/**
 * The agent image is built on a pinned tfc-agent release: the build passes `TFC_AGENT_VERSION`
 * as an exact `x.y.z` version (never `latest`) and, when given, `TFC_AGENT_DIGEST` as a
 * `sha256:` digest. An image counts as the agent image when its build sets any `TFC_AGENT_*`
 * argument or its name contains `tfc-agent`.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES } from "../lib/resource-types";
import { settingsOf } from "../lib/settings";
import { jsonObject, text } from "../lib/values";

const VERSION = /^\d+\.\d+\.\d+$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

export interface ImagePinSettings {
  /** Also require the base image digest (`TFC_AGENT_DIGEST`), not just the version. */
  requireBaseDigest: boolean;
}

const DEFAULTS: ImagePinSettings = { requireBaseDigest: false };

export const agentImagePinned: ResourceValidationPolicy = {
  name: "agent-image-pinned",
  description: "The agent image is built on an exact tfc-agent version (and digest, when given).",
  enforcementLevel: "mandatory",
  severity: "high",
  configSchema: {
    properties: {
      requireBaseDigest: {
        type: "boolean",
        default: false,
        description: "Require TFC_AGENT_DIGEST (sha256:...) in addition to the exact version.",
      },
    },
  },
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.dockerImage) return;
    const build = jsonObject(args.props.build);
    const buildArgs = jsonObject(build?.args) ?? {};
    const isAgentImage =
      Object.keys(buildArgs).some((k) => k.startsWith("TFC_AGENT_")) ||
      /tfc-agent/.test(text(args.props.imageName) ?? "");
    if (!isAgentImage) return;
    const { requireBaseDigest } = settingsOf(args, DEFAULTS);
    const image = `Agent image ${args.name}`;
    const version = text(buildArgs.TFC_AGENT_VERSION);
    if (version === undefined || !VERSION.test(version)) {
      reportViolation(
        `${image} builds on tfc-agent version ${version === undefined ? "(unset: the Dockerfile default)" : `"${version}"`}: pass build arg TFC_AGENT_VERSION as an exact release, e.g. 1.28.3`,
      );
    }
    const digest = text(buildArgs.TFC_AGENT_DIGEST);
    if (digest !== undefined && !DIGEST.test(digest)) {
      reportViolation(
        `${image} pins base digest "${digest}", which is not sha256:<64 hex>: fix TFC_AGENT_DIGEST`,
      );
    } else if (digest === undefined && requireBaseDigest) {
      reportViolation(
        `${image} does not pin the base image digest: pass build arg TFC_AGENT_DIGEST=sha256:...`,
      );
    }
  },
};

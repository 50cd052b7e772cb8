import type * as pulumi from "@pulumi/pulumi";

/**
 * Adds outputs to `additionalSecretOutputs`, keeping any the caller already listed. Returning
 * `pulumi.secret()` from a dynamic provider's create fails (#3012), so this is how a generated
 * secret (agent token, variable value) is encrypted in state.
 */
export function withSecretOutputs(
  opts: pulumi.CustomResourceOptions | undefined,
  names: readonly string[],
): pulumi.CustomResourceOptions {
  const existing = opts?.additionalSecretOutputs ?? [];
  return { ...opts, additionalSecretOutputs: [...new Set([...existing, ...names])] };
}

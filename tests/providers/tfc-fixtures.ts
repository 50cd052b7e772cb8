/** Shared set-up for the HCP Terraform provider tests: one API double and configured providers. */
import type * as pulumi from "@pulumi/pulumi";
import { agentPoolProvider } from "../../providers/tfc/agent-pool";
import { agentPoolAllowedWorkspacesProvider } from "../../providers/tfc/agent-pool-allowed-workspaces";
import { agentTokenProvider } from "../../providers/tfc/agent-token";
import type { TfcProvider } from "../../providers/tfc/dynamic-support";
import { variableProvider } from "../../providers/tfc/variable";
import { variableSetProvider } from "../../providers/tfc/variable-set";
import { variableSetAttachmentProvider } from "../../providers/tfc/variable-set-attachment";
import { variableSetVariableProvider } from "../../providers/tfc/variable-set-variable";
import { workspaceProvider } from "../../providers/tfc/workspace";
import { workspaceExecutionProvider } from "../../providers/tfc/workspace-execution";
import { serializeProvider } from "../support/dynamic-provider-host";
import type { TfcApiDouble } from "../support/tfc-api-double";

/** Every HCP Terraform resource kind the program has, by a short name. */
export const TFC_PROVIDERS = {
  pool: agentPoolProvider,
  token: agentTokenProvider,
  workspace: workspaceProvider,
  variable: variableProvider,
  access: agentPoolAllowedWorkspacesProvider,
  execution: workspaceExecutionProvider,
  set: variableSetProvider,
  setVariable: variableSetVariableProvider,
  attachment: variableSetAttachmentProvider,
} as const;
export type TfcKind = keyof typeof TFC_PROVIDERS;

/** Each kind's provider serialized as Pulumi serializes it (the `__provider` text), none with secrets. */
export async function serializeAll<K extends TfcKind>(kinds: readonly K[]): Promise<Record<K, string>> {
  const out = {} as Record<K, string>;
  for (const kind of kinds) {
    const { text, containsSecrets } = await serializeProvider(TFC_PROVIDERS[kind]);
    if (containsSecrets) throw new Error(`the ${kind} provider's serialized text contains secrets`);
    out[kind] = text;
  }
  return out;
}

/** A stack config as the dynamic provider host hands it to `configure()`. */
export function stackConfig(values: Record<string, string>): pulumi.dynamic.Config {
  return {
    get: (key: string) => values[key],
    require: (key: string) => {
      const v = values[key];
      if (v === undefined) throw new Error(`Missing required configuration key: ${key}`);
      return v;
    },
  };
}

/**
 * A fresh copy of a module-level provider, configured against the double the way the host does
 * it (stack config `tfc:hostname` + `tfc:token`), so tests never share settings.
 */
export async function configured<I, O>(
  provider: TfcProvider<I, O>,
  double: TfcApiDouble,
  token = double.validToken,
): Promise<
  Required<Pick<TfcProvider<I, O>, "check" | "diff" | "create" | "read" | "update" | "delete">> &
    TfcProvider<I, O>
> {
  const copy = { ...provider };
  await copy.configure!({ config: stackConfig({ "tfc:hostname": double.url, "tfc:token": token }) });
  return copy as never;
}

/** The caught error of a promise that must reject. */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof Error) return err;
    throw new Error(`rejected with a non-Error: ${String(err)}`, { cause: err });
  }
  throw new Error("expected the call to fail, but it succeeded");
}

/** Shared set-up for the HCP Terraform provider tests: one API double and configured providers. */
import type * as pulumi from "@pulumi/pulumi";
import type { TfcProvider } from "../../providers/tfc/dynamic-support";
import type { TfcApiDouble } from "../support/tfc-api-double";

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

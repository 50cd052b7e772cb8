/**
 * `pulumi-nodejs:dynamic/vault:RotateRoot`: calls `<mount>/config/rotate-root` once, after the AWS
 * secrets engine is configured with a root key, so that only Vault knows the key from then on
 * (Vault creates a new key for the same IAM user and deletes the old one).
 *
 * Vault connection settings are read when the provider runs (vault-connection.ts), never
 * captured and never stored. Outputs hold only the mount and the time of rotation: the new
 * access key id is not kept either.
 */
import * as pulumi from "@pulumi/pulumi";
import { type ConfigLookup, resolveVaultConnection } from "./vault-connection";
import { vaultRequest } from "./vault-request";

/** Plain inputs the provider sees. */
export interface RotateRootInputs {
  readonly mountPath: string;
}

/** Plain outputs stored in state. */
export interface RotateRootOutputs extends RotateRootInputs {
  readonly rotatedAt: string;
}

const MOUNT = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;

interface RotateRootProvider extends pulumi.dynamic.ResourceProvider {
  /** The host's stack config, set by `configure` in the provider host process only. */
  stackConfig?: ConfigLookup;
}

export const rotateRootProvider: RotateRootProvider = {
  configure(req: pulumi.dynamic.ConfigureRequest): Promise<void> {
    // Without an engine Configure call the host's config lookups throw: treat that as "no stack
    // config" so the environment variables still apply.
    this.stackConfig = (key) => {
      try {
        return req.config.get(key);
      } catch {
        return undefined;
      }
    };
    return Promise.resolve();
  },

  check(
    _olds: RotateRootInputs,
    news: RotateRootInputs,
  ): Promise<pulumi.dynamic.CheckResult<RotateRootInputs>> {
    const mount = typeof news.mountPath === "string" ? news.mountPath : "";
    if (!MOUNT.test(mount)) {
      return Promise.resolve({
        failures: [
          {
            property: "mountPath",
            reason: "must be the AWS secrets engine mount path, without leading or trailing /",
          },
        ],
      });
    }
    return Promise.resolve({ inputs: { mountPath: mount } });
  },

  diff(_id: string, olds: RotateRootOutputs, news: RotateRootInputs): Promise<pulumi.dynamic.DiffResult> {
    // Another mount means another root key: rotate that one (replace). Nothing else can change.
    const changed = olds.mountPath !== news.mountPath;
    return Promise.resolve({
      changes: changed,
      replaces: changed ? ["mountPath"] : [],
      deleteBeforeReplace: false,
    });
  },

  async create(inputs: RotateRootInputs): Promise<pulumi.dynamic.CreateResult<RotateRootOutputs>> {
    const conn = resolveVaultConnection(this.stackConfig ?? (() => undefined));
    await vaultRequest(conn, "POST", `${inputs.mountPath}/config/rotate-root`);
    // Vault answers with the new access key id; it is deliberately not kept.
    return {
      id: `${inputs.mountPath}/config/rotate-root`,
      outs: { mountPath: inputs.mountPath, rotatedAt: new Date().toISOString() },
    };
  },

  read(id: string, props: RotateRootOutputs): Promise<pulumi.dynamic.ReadResult<RotateRootOutputs>> {
    // The rotation is a past event; there is nothing in Vault to read it back from.
    return Promise.resolve({ id, props });
  },

  delete(): Promise<void> {
    // Nothing to undo: the rotated key stays in Vault (un-rotating is impossible, and the old key
    // no longer exists). Deleting the engine mount itself is what removes the key from Vault.
    return Promise.resolve();
  },
};

/** Resource inputs. */
export interface RotateRootArgs {
  /** Mount path of the AWS secrets engine whose root key is rotated. */
  readonly mountPath: pulumi.Input<string>;
}

/** Rotates an AWS secrets engine's root key once; deleting it changes nothing in Vault. */
export class RotateRoot extends pulumi.dynamic.Resource {
  declare readonly mountPath: pulumi.Output<string>;
  declare readonly rotatedAt: pulumi.Output<string>;

  constructor(name: string, args: RotateRootArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      rotateRootProvider,
      name,
      { mountPath: args.mountPath, rotatedAt: undefined },
      opts,
      "vault",
      "RotateRoot",
    );
  }
}

/**
 * `pulumi-nodejs:dynamic/vault:RotateRoot`: the one writer of an AWS secrets engine's
 * `config/root` when `rotateRootKey` is on. On create it writes the supplied root key and the
 * engine settings (`POST <mount>/config/root`), then rotates the key (`POST
 * <mount>/config/rotate-root`): Vault makes a new key for the same IAM user and deletes the old
 * one, so only Vault knows the key from then on.
 *
 * Nothing else may write `config/root` afterwards: every write sends (or, in some Vault versions,
 * clears) the key, and the only key Pulumi holds is the deleted one. So the mount itself is a plain
 * `vault.Mount` (the `aws.SecretBackend` resource rewrites `config/root` on any change of region or
 * endpoint), and this provider refuses a change of settings under the same key: give the engine a
 * fresh key and the resource is replaced (written and rotated again). See
 * docs/upstream-behaviour.md#vault-aws-secrets-engine.
 *
 * Vault connection settings are read when the provider runs (vault-connection.ts), never
 * captured and never stored. Outputs hold the mount, the settings, the id of the key that was
 * supplied (a secret output) and the time of rotation; never a secret key, nor the new key id.
 */
import * as pulumi from "@pulumi/pulumi";
import { type ConfigLookup, resolveVaultConnection } from "./vault-connection";
import { vaultRequest } from "./vault-request";

/** Plain inputs the provider sees. */
export interface RotateRootInputs {
  readonly mountPath: string;
  /** The root key to configure and rotate (secret in state). */
  readonly accessKey: string;
  readonly secretKey: string;
  readonly region: string;
  readonly iamEndpoint?: string;
  readonly stsEndpoint?: string;
}

/** Plain outputs stored in state. */
export interface RotateRootOutputs {
  readonly mountPath: string;
  readonly region: string;
  readonly iamEndpoint?: string;
  readonly stsEndpoint?: string;
  /** Id of the supplied (now deleted) key: tells a fresh key from the rotated one. Secret. */
  readonly suppliedAccessKeyId: string;
  readonly rotatedAt: string;
}

const MOUNT = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;
const SETTINGS = ["region", "iamEndpoint", "stsEndpoint"] as const;

interface RotateRootProvider extends pulumi.dynamic.ResourceProvider {
  /** The host's stack config, set by `configure` in the provider host process only. */
  stackConfig?: ConfigLookup;
}

function optional(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
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
    olds: Partial<RotateRootInputs>,
    news: Partial<RotateRootInputs>,
  ): Promise<pulumi.dynamic.CheckResult<RotateRootInputs>> {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    const mount = typeof news.mountPath === "string" ? news.mountPath : "";
    if (!MOUNT.test(mount)) {
      failures.push({
        property: "mountPath",
        reason: "must be the AWS secrets engine mount path, without leading or trailing /",
      });
    }
    for (const key of ["accessKey", "secretKey", "region"] as const) {
      if (optional(news[key]) === undefined) {
        failures.push({ property: key, reason: "is required to configure the engine's root key" });
      }
    }
    // Same key as before = the key Vault already rotated away: a new config/root write would
    // carry a deleted key. Refuse the change instead of breaking the engine.
    const sameKey = olds.accessKey !== undefined && olds.accessKey === news.accessKey;
    for (const setting of SETTINGS) {
      if (sameKey && optional(olds[setting]) !== optional(news[setting])) {
        failures.push({
          property: setting,
          reason:
            "cannot change after the root key was rotated: writing config/root needs the key, which only Vault knows now (Pulumi holds the deleted one). Give the engine a fresh access key (pulumi config set --secret tfc-jit-aws:awsRootAccessKey / awsRootSecretKey to a new key of the engine's IAM user): the root config is then written with the new settings and rotated again",
        });
      }
    }
    if (failures.length > 0) return Promise.resolve({ failures });
    return Promise.resolve({
      inputs: {
        mountPath: mount,
        accessKey: news.accessKey!,
        secretKey: news.secretKey!,
        region: news.region!,
        ...(optional(news.iamEndpoint) ? { iamEndpoint: news.iamEndpoint } : {}),
        ...(optional(news.stsEndpoint) ? { stsEndpoint: news.stsEndpoint } : {}),
      },
    });
  },

  diff(_id: string, olds: RotateRootOutputs, news: RotateRootInputs): Promise<pulumi.dynamic.DiffResult> {
    // Another mount or a fresh key: write and rotate again (replace). Settings cannot change alone
    // (check refuses that), so anything else is no change at all.
    const replaces = [
      ...(olds.mountPath !== news.mountPath ? ["mountPath"] : []),
      ...(olds.suppliedAccessKeyId !== news.accessKey ? ["accessKey"] : []),
      ...SETTINGS.filter((s) => optional(olds[s]) !== optional(news[s])),
    ];
    return Promise.resolve({ changes: replaces.length > 0, replaces, deleteBeforeReplace: false });
  },

  async create(inputs: RotateRootInputs): Promise<pulumi.dynamic.CreateResult<RotateRootOutputs>> {
    const conn = resolveVaultConnection(this.stackConfig ?? (() => undefined));
    await vaultRequest(conn, "POST", `${inputs.mountPath}/config/root`, {
      access_key: inputs.accessKey,
      secret_key: inputs.secretKey,
      region: inputs.region,
      ...(inputs.iamEndpoint ? { iam_endpoint: inputs.iamEndpoint } : {}),
      ...(inputs.stsEndpoint ? { sts_endpoint: inputs.stsEndpoint } : {}),
    });
    await vaultRequest(conn, "POST", `${inputs.mountPath}/config/rotate-root`);
    // Vault answers with the new access key id; it is deliberately not kept.
    return {
      id: `${inputs.mountPath}/config/root`,
      outs: {
        mountPath: inputs.mountPath,
        region: inputs.region,
        ...(inputs.iamEndpoint ? { iamEndpoint: inputs.iamEndpoint } : {}),
        ...(inputs.stsEndpoint ? { stsEndpoint: inputs.stsEndpoint } : {}),
        suppliedAccessKeyId: inputs.accessKey,
        rotatedAt: new Date().toISOString(),
      },
    };
  },

  read(id: string, props: RotateRootOutputs): Promise<pulumi.dynamic.ReadResult<RotateRootOutputs>> {
    // The rotation is a past event, and Vault never returns the secret key: nothing to read back.
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
  /** Mount path of the AWS secrets engine whose root key is configured and rotated. */
  readonly mountPath: pulumi.Input<string>;
  /** The root access key id (kept secret). */
  readonly accessKey: pulumi.Input<string>;
  /** The root secret access key (kept secret). */
  readonly secretKey: pulumi.Input<string>;
  /** AWS region of the engine's IAM/STS calls. */
  readonly region: pulumi.Input<string>;
  /** Custom IAM endpoint URL. */
  readonly iamEndpoint?: pulumi.Input<string>;
  /** Custom STS endpoint URL. */
  readonly stsEndpoint?: pulumi.Input<string>;
}

/** Writes an AWS secrets engine's root config once and rotates its key; deleting it changes nothing. */
export class RotateRoot extends pulumi.dynamic.Resource {
  declare readonly mountPath: pulumi.Output<string>;
  declare readonly region: pulumi.Output<string>;
  declare readonly rotatedAt: pulumi.Output<string>;

  constructor(name: string, args: RotateRootArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      rotateRootProvider,
      name,
      {
        mountPath: args.mountPath,
        accessKey: pulumi.secret(args.accessKey),
        secretKey: pulumi.secret(args.secretKey),
        region: args.region,
        iamEndpoint: args.iamEndpoint,
        stsEndpoint: args.stsEndpoint,
        suppliedAccessKeyId: undefined,
        rotatedAt: undefined,
      },
      { ...opts, additionalSecretOutputs: ["suppliedAccessKeyId"] },
      "vault",
      "RotateRoot",
    );
  }
}

/**
 * `pulumi-nodejs:dynamic/vault:RotateRoot`: the one writer of an AWS secrets engine's
 * `config/root` when `rotateRootKey` is on. On create it writes the supplied root key and the
 * engine settings, `username_template` included (`POST <mount>/config/root`), then rotates the key
 * (`POST <mount>/config/rotate-root`): Vault makes a new key for the same IAM user and deletes the
 * old one, so only Vault knows the key from then on.
 *
 * Nothing else may write `config/root` afterwards: up to Vault 1.18 a write replaces the whole
 * config, so a write without the key clears it, and the only key Pulumi holds is the deleted one
 * (from 1.19 a write keeps fields it leaves out, but the program supports older Vaults too). So the
 * mount itself is a plain `vault.Mount` (the `aws.SecretBackend` resource rewrites `config/root`
 * on any change of region or endpoint), and this provider refuses a change of settings under the
 * same key, the username template included: give the engine a fresh key and the resource is
 * replaced (written and rotated again). See docs/upstream-behaviour.md#vault-aws-secrets-engine.
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
  /** The engine's `username_template`; absent = Vault's default. */
  readonly usernameTemplate?: string;
}

/** Plain outputs stored in state. */
export interface RotateRootOutputs {
  readonly mountPath: string;
  readonly region: string;
  readonly iamEndpoint?: string;
  readonly stsEndpoint?: string;
  readonly usernameTemplate?: string;
  /** Id of the supplied (now deleted) key: tells a fresh key from the rotated one. Secret. */
  readonly suppliedAccessKeyId: string;
  readonly rotatedAt: string;
}

const MOUNT = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;
const SETTINGS = ["region", "iamEndpoint", "stsEndpoint", "usernameTemplate"] as const;

/** How to write config/root again after rotation: a fresh key, in an order that never breaks the engine. */
const FRESH_KEY =
  "Give the engine a fresh access key: create a second key for the engine's IAM user (aws iam create-access-key), set it with pulumi config set --secret tfc-jit-aws:awsRootAccessKey and awsRootSecretKey, and run pulumi up: config/root is written with the new key and settings (the engine keeps working), and the rotation then asks you to delete the user's other, older key (aws iam delete-access-key) and run pulumi up once more";

/** Why a setting cannot change under the rotated key. */
function settingReason(setting: (typeof SETTINGS)[number]): string {
  const why =
    "writing config/root needs the key, which only Vault knows now (Pulumi holds the deleted one), and up to Vault 1.18 a write without it clears it";
  return setting === "usernameTemplate"
    ? `cannot be written to an engine whose root key was already rotated (iam_user names then keep Vault's default, without the workspace): ${why}. ${FRESH_KEY}`
    : `cannot change after the root key was rotated: ${why}. ${FRESH_KEY}`;
}

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
    // carry a deleted key, or (without one) clear the key in Vault <= 1.18. Refuse the change
    // instead of breaking the engine; a state written before usernameTemplate existed lands here.
    const sameKey = olds.accessKey !== undefined && olds.accessKey === news.accessKey;
    for (const setting of SETTINGS) {
      if (sameKey && optional(olds[setting]) !== optional(news[setting])) {
        failures.push({ property: setting, reason: settingReason(setting) });
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
        ...(optional(news.usernameTemplate) ? { usernameTemplate: news.usernameTemplate } : {}),
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
      // Sent in the same write: a write without it sets Vault's default (every Vault version).
      ...(inputs.usernameTemplate ? { username_template: inputs.usernameTemplate } : {}),
    });
    try {
      await vaultRequest(conn, "POST", `${inputs.mountPath}/config/rotate-root`);
    } catch (e) {
      // config/root already holds the supplied key, which still works: say what to do next.
      throw new Error(
        `${(e as Error).message}. ${inputs.mountPath}/config/root now holds the supplied key, not rotated yet (the engine works with it). Vault rotates only while the engine's IAM user has exactly one access key: if it has two, delete the older one (aws iam list-access-keys, aws iam delete-access-key), then run pulumi up again`,
        { cause: e },
      );
    }
    // Vault answers with the new access key id; it is deliberately not kept.
    return {
      id: `${inputs.mountPath}/config/root`,
      outs: {
        mountPath: inputs.mountPath,
        region: inputs.region,
        ...(inputs.iamEndpoint ? { iamEndpoint: inputs.iamEndpoint } : {}),
        ...(inputs.stsEndpoint ? { stsEndpoint: inputs.stsEndpoint } : {}),
        ...(inputs.usernameTemplate ? { usernameTemplate: inputs.usernameTemplate } : {}),
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
  /** The engine's `username_template` (how iam_user names are made); absent = Vault's default. */
  readonly usernameTemplate?: pulumi.Input<string>;
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
        usernameTemplate: args.usernameTemplate,
        suppliedAccessKeyId: undefined,
        rotatedAt: undefined,
      },
      { ...opts, additionalSecretOutputs: ["suppliedAccessKeyId"] },
      "vault",
      "RotateRoot",
    );
  }
}

/**
 * `pulumi-nodejs:dynamic/vault:VaultInit`: initializes the demo Vault once and hands Pulumi a
 * scoped token for it. On create it waits until the node answers `sys/init`, refuses a node that
 * is already initialized (its root token and recovery keys are not in this stack), initializes it
 * with recovery shares (the node auto-unseals with KMS), waits until it is unsealed, and then uses
 * the root token once: writes the Pulumi token's policy (the shipped
 * permissions/pulumi-vault-policy.hcl), enables the file audit device, creates an orphan, periodic,
 * renewable token with that policy only, and revokes the root token (`auth/token/revoke-self`).
 *
 * The recovery keys and the scoped token are returned as secret outputs (additionalSecretOutputs),
 * so they exist only in Pulumi's encrypted state; nothing is written to disk, logged or put in an
 * error. A refresh (`read`) renews the periodic token, so a stack refreshed within the period never
 * loses access. Sources of every shape: docs/upstream-behaviour.md#vault-system-endpoints.
 */
import * as pulumi from "@pulumi/pulumi";
import type { VaultConnection } from "./vault-connection";
import { vaultRequest } from "./vault-request";
import { UNKNOWN } from "../tfc/dynamic-support";

/** Plain inputs the provider sees. */
export interface VaultInitInputs {
  /** https URL Pulumi reaches the node at. */
  readonly address: string;
  /** PEM of the CA that signed the node's certificate. */
  readonly caCertPem: string;
  readonly policyName: string;
  readonly policyHcl: string;
  /** Audit device path and the file it writes (on the node's encrypted volume). */
  readonly auditPath: string;
  readonly auditFilePath: string;
  readonly recoveryShares: number;
  readonly recoveryThreshold: number;
  /** Period of the scoped token, a Vault duration such as `768h`. */
  readonly tokenPeriod: string;
  /** How long to wait for the node to answer and unseal. */
  readonly waitSeconds: number;
  readonly pollIntervalMs: number;
}

/** Plain outputs stored in state; `token` and `recoveryKeys` are secret outputs. */
export interface VaultInitOutputs extends VaultInitInputs {
  readonly token: string;
  readonly tokenAccessor: string;
  readonly recoveryKeys: string[];
  readonly initializedAt: string;
}

/** Inputs whose change means another node: initialize that one (replace). */
const REPLACES = ["address", "caCertPem", "recoveryShares", "recoveryThreshold"] as const;
/** Inputs applied with the root token only: a later change needs an operator (see update). */
const ROOT_ONLY = ["policyName", "policyHcl", "auditPath", "auditFilePath", "tokenPeriod"] as const;

const NAME = /^[A-Za-z0-9_-]+$/;

function connection(inputs: VaultInitInputs, token?: string): VaultConnection {
  return {
    address: inputs.address.replace(/\/+$/, ""),
    caCertPem: inputs.caCertPem,
    ...(token !== undefined ? { token } : {}),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Calls `probe` until it returns a value or the deadline passes; the last error explains why. */
async function waitFor<T>(
  what: string,
  inputs: VaultInitInputs,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + inputs.waitSeconds * 1000;
  let last: string;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
      last = "not yet";
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `the demo Vault at ${inputs.address} did not ${what} within ${inputs.waitSeconds} s (last: ${last}); check that the instance is running (its console log shows the Vault container starting), that this machine's address is in demoVaultOperatorCidrs, and that the instance reaches KMS`,
      );
    }
    await sleep(inputs.pollIntervalMs);
  }
}

function field(body: unknown, key: string): unknown {
  return body !== null && typeof body === "object" ? (body as Record<string, unknown>)[key] : undefined;
}

export const vaultInitProvider: pulumi.dynamic.ResourceProvider = {
  check(
    _olds: Partial<VaultInitInputs>,
    news: Partial<VaultInitInputs>,
  ): Promise<pulumi.dynamic.CheckResult<VaultInitInputs>> {
    // In a first preview the node's address and CA are not known yet: nothing to check there.
    const known = (value: unknown) => value !== UNKNOWN;
    const failures: pulumi.dynamic.CheckFailure[] = [];
    const address = news.address;
    if (known(address) && (typeof address !== "string" || !address.startsWith("https://"))) {
      failures.push({ property: "address", reason: "must be the node's https:// address" });
    }
    const ca = news.caCertPem;
    if (known(ca) && (typeof ca !== "string" || !ca.includes("BEGIN CERTIFICATE"))) {
      failures.push({
        property: "caCertPem",
        reason: "must be the PEM of the CA that signed the node's certificate",
      });
    }
    for (const key of ["policyName", "auditPath"] as const) {
      if (typeof news[key] !== "string" || !NAME.test(news[key])) {
        failures.push({ property: key, reason: "must be a name of letters, digits, - and _" });
      }
    }
    for (const key of ["policyHcl", "auditFilePath", "tokenPeriod"] as const) {
      if (typeof news[key] !== "string" || news[key] === "") {
        failures.push({ property: key, reason: "is required" });
      }
    }
    const shares = news.recoveryShares;
    const threshold = news.recoveryThreshold;
    // Vault's own rule (docs/upstream-behaviour.md#vault-system-endpoints): 1 of 1, or 2..n of n.
    if (
      !Number.isInteger(shares) ||
      !Number.isInteger(threshold) ||
      threshold! < 1 ||
      threshold! > shares! ||
      (shares! > 1 && threshold === 1)
    ) {
      failures.push({
        property: "recoveryThreshold",
        reason: "must be a whole number up to recoveryShares, and more than 1 when there are several shares",
      });
    }
    if (failures.length > 0) return Promise.resolve({ failures });
    return Promise.resolve({
      inputs: {
        ...(news as VaultInitInputs),
        waitSeconds: news.waitSeconds ?? 900,
        pollIntervalMs: news.pollIntervalMs ?? 5000,
      },
    });
  },

  diff(_id: string, olds: VaultInitOutputs, news: VaultInitInputs): Promise<pulumi.dynamic.DiffResult> {
    const replaces = REPLACES.filter((k) => olds[k] !== news[k]);
    const updates = ROOT_ONLY.filter((k) => olds[k] !== news[k]);
    return Promise.resolve({
      changes: replaces.length + updates.length > 0,
      replaces,
      deleteBeforeReplace: true,
    });
  },

  async create(inputs: VaultInitInputs): Promise<pulumi.dynamic.CreateResult<VaultInitOutputs>> {
    const open = connection(inputs);
    const initialized = await waitFor("answer sys/init", inputs, async () => {
      const status = await vaultRequest(open, "GET", "sys/init");
      const value = field(status.body, "initialized");
      return typeof value === "boolean" ? value : undefined;
    });
    if (initialized) {
      throw new Error(
        `the Vault at ${inputs.address} is already initialized, and its root token and recovery keys are not in this stack: VaultInit only initializes a fresh demo Vault and never takes one over. If this stack initialized it and lost its state, start over with a fresh data volume (pulumi destroy, then pulumi up); to use a Vault you run yourself, set tfc-jit-aws:vaultMode external`,
      );
    }
    const init = await vaultRequest(open, "PUT", "sys/init", {
      recovery_shares: inputs.recoveryShares,
      recovery_threshold: inputs.recoveryThreshold,
    });
    const rootToken = field(init.body, "root_token");
    const recoveryKeys = field(init.body, "recovery_keys_base64");
    if (typeof rootToken !== "string" || !Array.isArray(recoveryKeys)) {
      throw new Error(
        `the Vault at ${inputs.address} answered sys/init without a root token or recovery keys`,
      );
    }
    try {
      await waitFor("unseal with its KMS key", inputs, async () => {
        const status = await vaultRequest(open, "GET", "sys/seal-status");
        return field(status.body, "sealed") === false ? true : undefined;
      });
      const root = connection(inputs, rootToken);
      await vaultRequest(root, "PUT", `sys/policies/acl/${inputs.policyName}`, { policy: inputs.policyHcl });
      await vaultRequest(root, "PUT", `sys/audit/${inputs.auditPath}`, {
        type: "file",
        description: "every request and response, HMAC'd (tfc-jit-aws demo Vault)",
        options: { file_path: inputs.auditFilePath },
      });
      const created = await vaultRequest(root, "POST", "auth/token/create", {
        policies: [inputs.policyName],
        no_default_policy: true,
        // An orphan outlives the root token it was made with; periodic: renewed, never expiring.
        no_parent: true,
        period: inputs.tokenPeriod,
        renewable: true,
        display_name: "pulumi-tfc-jit-aws",
      });
      const auth = field(created.body, "auth");
      const token = field(auth, "client_token");
      const accessor = field(auth, "accessor");
      if (typeof token !== "string" || typeof accessor !== "string") {
        throw new Error("auth/token/create answered without a token");
      }
      // The root token's one use is over: revoked now (the scoped token is an orphan, so it stays).
      await vaultRequest(root, "POST", "auth/token/revoke-self");
      return {
        id: inputs.address,
        outs: {
          ...inputs,
          token,
          tokenAccessor: accessor,
          recoveryKeys: recoveryKeys.map(String),
          initializedAt: new Date().toISOString(),
        },
      };
    } catch (err) {
      // Fail closed: the root token must not outlive this call, whatever went wrong.
      await vaultRequest(connection(inputs, rootToken), "POST", "auth/token/revoke-self").catch(
        () => undefined,
      );
      const reason = err instanceof Error ? err.message : String(err);
      throw new Error(
        `the demo Vault at ${inputs.address} was initialized, but setting it up failed (${reason}); its recovery keys are lost with this attempt, so start over with a fresh data volume (pulumi destroy, then pulumi up)`,
        { cause: err },
      );
    }
  },

  async read(id: string, props: VaultInitOutputs): Promise<pulumi.dynamic.ReadResult<VaultInitOutputs>> {
    // A node that is no longer initialized (a fresh data volume) is not this initialization:
    // report it gone, so the next `pulumi up` initializes it again.
    const status = await vaultRequest(connection(props), "GET", "sys/init");
    if (field(status.body, "initialized") === false) return { id: "", props: {} as VaultInitOutputs };
    // Otherwise refresh renews the periodic token (its period starts again); nothing else changes.
    await vaultRequest(connection(props, props.token), "POST", "auth/token/renew-self", {});
    return { id, props };
  },

  update(): Promise<pulumi.dynamic.UpdateResult> {
    return Promise.reject(
      new Error(
        "the demo Vault's Pulumi token policy, audit device and token period were set with the root token, which is revoked: to change them, generate a root token with the recovery keys (vault operator generate-root; pulumi stack output --show-secrets demoVaultRecoveryKeys), apply the change with the vault CLI and revoke that token, or replace the demo Vault (pulumi up --replace on it)",
      ),
    );
  },

  delete(): Promise<void> {
    // The node and its volume go with the DemoVault; nothing to undo here.
    return Promise.resolve();
  },
};

/** Resource inputs. */
export interface VaultInitArgs {
  readonly address: pulumi.Input<string>;
  readonly caCertPem: pulumi.Input<string>;
  readonly policyName: pulumi.Input<string>;
  readonly policyHcl: pulumi.Input<string>;
  readonly auditPath: pulumi.Input<string>;
  readonly auditFilePath: pulumi.Input<string>;
  readonly recoveryShares?: pulumi.Input<number>;
  readonly recoveryThreshold?: pulumi.Input<number>;
  readonly tokenPeriod?: pulumi.Input<string>;
  readonly waitSeconds?: pulumi.Input<number>;
  readonly pollIntervalMs?: pulumi.Input<number>;
}

/** Initializes the demo Vault once; its token and recovery keys are secret outputs. */
export class VaultInit extends pulumi.dynamic.Resource {
  /** The scoped Pulumi token (secret). */
  declare readonly token: pulumi.Output<string>;
  declare readonly tokenAccessor: pulumi.Output<string>;
  /** Base64 recovery keys (secret). */
  declare readonly recoveryKeys: pulumi.Output<string[]>;

  constructor(name: string, args: VaultInitArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      vaultInitProvider,
      name,
      {
        recoveryShares: 1,
        recoveryThreshold: 1,
        tokenPeriod: "768h",
        waitSeconds: 900,
        pollIntervalMs: 5000,
        ...args,
        token: undefined,
        tokenAccessor: undefined,
        recoveryKeys: undefined,
        initializedAt: undefined,
      },
      { ...opts, additionalSecretOutputs: ["token", "recoveryKeys"] },
      "vault",
      "VaultInit",
    );
  }
}

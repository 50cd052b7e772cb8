/**
 * `vaultMode`: `external` (the default; you bring a Vault and a token for Pulumi) or `demo` (the
 * program runs a single-node Vault in the agents' VPC, docs/demo-vault.md). The demo's own keys
 * are read and validated here, with the combinations it cannot serve.
 */
import type { ConfigReader } from "./reader";
import { isCidr } from "./agent";

export const VAULT_MODES = ["external", "demo"] as const;
export type VaultMode = (typeof VAULT_MODES)[number];

export interface DemoVaultSettings {
  /** `hashicorp/vault@sha256:<hex>`: the official image, by digest. */
  readonly image: string;
  /** Where the operator (the machine running `pulumi up`) reaches Vault from. */
  readonly operatorCidrs: string[];
  readonly instanceType: string;
}

const OFFICIAL_IMAGE = /^(docker\.io\/)?hashicorp\/vault@sha256:[0-9a-f]{64}$/;
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;

/** The mode alone (read once by config.ts, which hands it to the Vault side's reader). */
export function readVaultMode(r: ConfigReader): VaultMode {
  return r.oneOf("vaultMode", VAULT_MODES, "external");
}

/** The demo Vault's settings when `vaultMode` is demo; undefined otherwise. */
export function readDemoVaultSettings(r: ConfigReader, mode: VaultMode): DemoVaultSettings | undefined {
  // Read in both modes (so a typo is caught either way); required only with demo.
  const image = r.optionalString("demoVaultImage");
  const operatorCidrs = r.stringList("demoVaultOperatorCidrs", []);
  const instanceType = r.string("demoVaultInstanceType", "t3.small");
  if (!INSTANCE_TYPE.test(instanceType)) {
    r.fail(
      "demoVaultInstanceType",
      `"${instanceType}" is not an EC2 instance type`,
      `pulumi config set ${r.fullKey("demoVaultInstanceType")} t3.small`,
    );
  }
  if (mode !== "demo") return undefined;
  if (image === undefined) {
    r.fail(
      "demoVaultImage",
      "is required with vaultMode demo: the official Vault image, pinned by digest",
      `docker buildx imagetools inspect hashicorp/vault:<version> (the "Digest:" line), then pulumi config set ${r.fullKey("demoVaultImage")} hashicorp/vault@sha256:<digest>`,
    );
  } else if (!OFFICIAL_IMAGE.test(image)) {
    r.fail(
      "demoVaultImage",
      `"${image}" is not the official image by digest (hashicorp/vault@sha256:<64 hex>)`,
      `docker buildx imagetools inspect hashicorp/vault:<version>, then pulumi config set ${r.fullKey("demoVaultImage")} hashicorp/vault@sha256:<digest>`,
    );
  }
  const bad = operatorCidrs.find((c) => !isCidr(c));
  if (operatorCidrs.length === 0) {
    r.fail(
      "demoVaultOperatorCidrs",
      "is empty, but Pulumi must reach the demo Vault to configure it",
      `set ${r.fullKey("demoVaultOperatorCidrs")} in Pulumi.<stack>.yaml to a YAML list with your public address, e.g. ["203.0.113.7/32"] (curl https://checkip.amazonaws.com)`,
    );
  } else if (bad !== undefined) {
    r.fail(
      "demoVaultOperatorCidrs",
      `"${bad}" is not an IPv4 CIDR`,
      `edit ${r.fullKey("demoVaultOperatorCidrs")} in Pulumi.<stack>.yaml, e.g. ["203.0.113.7/32"]`,
    );
  } else if (operatorCidrs.some((c) => Number(c.split("/")[1]) < 8)) {
    r.fail(
      "demoVaultOperatorCidrs",
      "opens Vault to a large part of the internet (a prefix shorter than /8)",
      `list only the addresses you run pulumi from, e.g. ["203.0.113.7/32"]`,
    );
  }
  return { image: image ?? "", operatorCidrs, instanceType };
}

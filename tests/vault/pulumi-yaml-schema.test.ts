/**
 * The Vault-side keys declared in Pulumi.yaml and the keys readVaultSide reads are the same set,
 * and the declared defaults produce exactly the configuration the code's own defaults do (so a
 * default changed in one place only is caught).
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigReader, memorySource, type ConfigSource } from "../../config/reader";
import { readVaultSide } from "../../config/vault";
import { DEV_CONFIG } from "./fixtures";

// js-yaml ships with the toolchain (eslint); its types are not installed, hence the narrow cast.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml = require("js-yaml") as { load(text: string): unknown };

interface Declared {
  type: string;
  description?: string;
  default?: unknown;
}

/** The keys between the `# --- Vault side ---` comment and the next section comment. */
function vaultSideKeys(): Record<string, Declared> {
  const text = fs.readFileSync(path.resolve(__dirname, "..", "..", "Pulumi.yaml"), "utf8");
  const config = (yaml.load(text) as { config: Record<string, Declared> }).config;
  const lines = text.split("\n");
  const start = lines.findIndex((l) => l.trim() === "# --- Vault side ---");
  assert.ok(start >= 0, "Pulumi.yaml has a '# --- Vault side ---' section");
  const end = lines.findIndex((l, i) => i > start && /^\s*# --- /.test(l));
  const names = lines
    .slice(start, end < 0 ? undefined : end)
    .map((l) => /^ {2}([A-Za-z]+):\s*$/.exec(l)?.[1])
    .filter((k): k is string => k !== undefined);
  return Object.fromEntries(names.map((k) => [k, config[k]]));
}

/** A source that records which keys were asked for. */
function recording(values: Record<string, string | number | boolean | object>) {
  const asked = new Set<string>();
  const inner = memorySource(values, (v) => pulumi.secret(v));
  const source: ConfigSource = {
    get: (k) => (asked.add(k), inner.get(k)),
    getSecret: (k) => (asked.add(k), inner.getSecret(k)),
  };
  return { source, asked };
}

const SECRET_KEYS = ["awsRootAccessKey", "awsRootSecretKey"];

describe("Pulumi.yaml declares the Vault-side config", () => {
  const declared = vaultSideKeys();

  it("declares every key readVaultSide reads (root keys aside), and no other", () => {
    const { source, asked } = recording(DEV_CONFIG);
    readVaultSide(new ConfigReader(source));
    const read = [...asked].filter((k) => !SECRET_KEYS.includes(k)).sort();
    assert.deepEqual(Object.keys(declared).sort(), read);
  });

  it("gives every key a type and a description, and a default unless it is required", () => {
    // vaultAddress is required with vaultMode external only, so it has an empty default.
    const required = ["tfcOrganization", "tfcWorkspace", "jwtAudience"];
    for (const [key, d] of Object.entries(declared)) {
      assert.ok(["string", "integer", "boolean", "array"].includes(d.type), `${key} type`);
      assert.ok(d.description && d.description.length > 10, `${key} description`);
      assert.equal(d.default === undefined, required.includes(key), `${key} default`);
    }
  });

  it("declared defaults give the same configuration as the code's defaults", () => {
    const defaults = Object.fromEntries(
      Object.entries(declared)
        .filter(([, d]) => d.default !== undefined)
        .map(([k, d]) => [k, d.default as string | number | boolean | object]),
    );
    const withDeclared = new ConfigReader(
      memorySource({ ...defaults, ...DEV_CONFIG }, (v) => pulumi.secret(v)),
    );
    const fromYaml = readVaultSide(withDeclared);
    assert.deepEqual(withDeclared.errors, []);
    const bare = new ConfigReader(memorySource(DEV_CONFIG, (v) => pulumi.secret(v)));
    assert.deepEqual(fromYaml, readVaultSide(bare));
  });
});

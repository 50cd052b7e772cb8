import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { policies } from "../../policy/policies";

const POLICY_DIR = path.join(__dirname, "../../policy/policies");

describe("policy pack layout", () => {
  it("lists every policy file exactly once, named after its file", () => {
    const files = fs
      .readdirSync(POLICY_DIR)
      .filter((f) => f.endsWith(".ts") && f !== "index.ts")
      .map((f) => f.replace(/\.ts$/, ""))
      .sort();
    assert.deepEqual(policies.map((p) => p.name).sort(), files);
  });
  it("gives every policy a kebab-case name and an explicit enforcement level", () => {
    for (const p of policies) {
      assert.match(p.name, /^[a-z0-9]+(-[a-z0-9]+)*$/, p.name);
      assert.ok(
        ["advisory", "mandatory"].includes(p.enforcementLevel ?? ""),
        `${p.name}: ${p.enforcementLevel}`,
      );
    }
  });
  it("gives every tunable setting a default in its schema", () => {
    for (const p of policies) {
      for (const [key, schema] of Object.entries(p.configSchema?.properties ?? {})) {
        assert.notEqual((schema as { default?: unknown }).default, undefined, `${p.name}.${key}`);
      }
    }
  });
});

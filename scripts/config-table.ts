/**
 * Renders the README's configuration table from Pulumi.yaml, the single source of every key's
 * type, default and description. `npm run docs:config` rewrites the table in README.md; a test
 * fails when the two drift apart.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";

interface Declared {
  type: string;
  description?: string;
  default?: unknown;
  items?: { type: string };
}

const ROOT = path.resolve(__dirname, "..");
export const START = "<!-- config-table:start (generated from Pulumi.yaml by npm run docs:config) -->";
export const END = "<!-- config-table:end -->";

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\s+/g, " ").trim();
}

function defaultOf(key: Declared): string {
  if (!("default" in key)) return "**required**";
  const value = key.default;
  if (value === "" || (Array.isArray(value) && value.length === 0)) return "(empty)";
  return "`" + (typeof value === "string" ? value : JSON.stringify(value)) + "`";
}

export function renderConfigTable(
  pulumiYaml = fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"),
): string {
  const config = (yaml.load(pulumiYaml) as { config?: Record<string, Declared> }).config ?? {};
  const rows = Object.entries(config).map(([name, key]) => {
    const type = key.type === "array" ? `list of ${key.items?.type ?? "string"}` : key.type;
    return `| \`${name}\` | ${type} | ${defaultOf(key)} | ${cell(key.description ?? "")} |`;
  });
  return [
    START,
    "| key (`tfc-jit-aws:`) | type | default | meaning |",
    "|---|---|---|---|",
    ...rows,
    END,
  ].join("\n");
}

export function replaceConfigTable(readme: string, table: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${START} ... ${END} block`);
  return readme.slice(0, start) + table + readme.slice(end + END.length);
}

if (require.main === module) {
  const readmePath = path.join(ROOT, "README.md");
  const readme = fs.readFileSync(readmePath, "utf8");
  fs.writeFileSync(readmePath, replaceConfigTable(readme, renderConfigTable()));
  console.log("README.md configuration table regenerated from Pulumi.yaml");
}

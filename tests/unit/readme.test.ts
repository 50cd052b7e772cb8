/**
 * The README is part of the product: its configuration table is Pulumi.yaml's, its test command
 * is the one CI runs, and every document it links to exists.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { END, START, renderConfigTable } from "../../scripts/config-table";

const ROOT = path.resolve(__dirname, "..", "..");
const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");

describe("README", () => {
  it("documents every key Pulumi.yaml declares, with its default (npm run docs:config)", () => {
    const block = readme.slice(readme.indexOf(START), readme.indexOf(END) + END.length);
    assert.equal(block, renderConfigTable(), "README table is stale: run npm run docs:config");
    assert.ok(block.split("\n").length > 40, "the table lists the declared keys");
  });

  it("gives the set-up and test commands that .ci/run runs", () => {
    const ci = fs.readFileSync(path.join(ROOT, ".ci", "run"), "utf8");
    for (const command of [". scripts/ensure-node.sh", "npm ci", "npm test"]) {
      assert.ok(readme.includes(command), `README names ${command}`);
      assert.ok(ci.includes(command), `.ci/run runs ${command}`);
    }
    assert.match(readme, /pulumi up --stack dev/);
  });

  it("links only to documents that exist", () => {
    const links = [...readme.matchAll(/\]\(([^)#]+)\)/g)].map((m) => m[1]).filter((l) => !/^https?:/.test(l));
    assert.ok(links.length >= 5);
    for (const link of links) assert.ok(fs.existsSync(path.join(ROOT, link)), `${link} exists`);
  });
});

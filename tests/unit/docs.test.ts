/**
 * What a new user reads points only to what exists and agrees with itself: links in the README and
 * docs/ resolve, no text points to design notes that are not in the repository, the policy pack
 * is published with the CLI's own syntax, the ESC import is optional everywhere it is described,
 * and the README's test-time claim is the measured one.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { load } from "js-yaml";

const ROOT = path.resolve(__dirname, "..", "..");
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");

function filesUnder(dir: string, ext: RegExp): string[] {
  return fs
    .readdirSync(path.join(ROOT, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => ext.test(f) && !f.includes("node_modules"))
    .map((f) => path.join(dir, f));
}

const DOCS = ["README.md", ...filesUnder("docs", /\.md$/)];

describe("documents a reader is pointed to", () => {
  it("links in the README and docs/ resolve to files in the repository", () => {
    const broken: string[] = [];
    for (const doc of DOCS) {
      for (const [, target] of read(doc).matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
        if (/^https?:/.test(target)) continue;
        if (!fs.existsSync(path.resolve(ROOT, path.dirname(doc), target))) broken.push(`${doc} -> ${target}`);
      }
    }
    assert.deepEqual(broken, []);
  });

  it("no document or code outside the hooks points to FACTS.md or ARCHITECTURE.md (not in the repository)", () => {
    const sources = [
      ...DOCS,
      ...filesUnder("components", /\.ts$/),
      ...filesUnder("config", /\.ts$/),
      ...filesUnder("providers", /\.ts$/),
      ...filesUnder("policy", /\.ts$/),
      "stack.ts",
      "config.ts",
      "Pulumi.yaml",
      "Pulumi.dev.yaml",
    ];
    const pointing = sources.filter((f) => /\b(FACTS|ARCHITECTURE)\.md\b/.test(read(f)));
    assert.deepEqual(pointing, []);
  });

  it("publishes the policy pack with the CLI's syntax, from the pack's directory", () => {
    // `pulumi policy publish [org-name]` publishes the pack in the current directory.
    for (const doc of DOCS) assert.doesNotMatch(read(doc), /pulumi policy publish policy/, doc);
    assert.match(read("README.md"), /cd policy && pulumi policy publish \[org\]/);
  });

  it("the ESC import is optional as shipped, and the stack files say how to turn it on", () => {
    for (const file of ["Pulumi.dev.yaml", path.join("consumer", "Pulumi.dev.yaml")]) {
      const stack = load(read(file)) as Record<string, unknown>;
      assert.equal(stack.environment, undefined, `${file} imports an ESC environment`);
      assert.match(
        read(file),
        /^# environment:\n# {3}- tfc-jit-aws\/dev$/m,
        `${file} shows the import to uncomment`,
      );
    }
    assert.match(read("README.md"), /\*\*ESC is optional\*\*/);
    assert.match(read(path.join("consumer", "Pulumi.dev.yaml")), /Change producerStack/);
  });

  it("states the measured test time", () => {
    assert.match(read("README.md"), /2–4 minutes on 2 cores/);
    assert.doesNotMatch(read("README.md"), /about 1 minute/);
  });
});

/**
 * The CI workflow users get runs what the README promises: the test command on the pinned Node,
 * and on pull requests `pulumi preview --policy-pack policy` through the official action, with
 * short-lived credentials only.
 */
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { load } from "js-yaml";

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  if?: string;
  needs?: string;
  permissions?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
}

const ROOT = path.resolve(__dirname, "..", "..");
const workflow = load(readFileSync(path.join(ROOT, ".github/workflows/ci.yml"), "utf8")) as Workflow;
const uses = (job: Job, action: string) => job.steps.find((s) => s.uses?.startsWith(`${action}@`));

describe("CI workflow (.github/workflows/ci.yml)", () => {
  it("runs on pushes to main and on pull requests, read-only by default", () => {
    assert.ok("pull_request" in workflow.on && "push" in workflow.on);
    assert.deepEqual(workflow.permissions, { contents: "read" });
  });

  it("tests with the README's command on the Node pinned in .node-version", () => {
    const test = workflow.jobs.test;
    assert.ok(test);
    assert.equal(uses(test, "actions/setup-node")?.with?.["node-version-file"], ".node-version");
    const ciRun = readFileSync(path.join(ROOT, ".ci/run"), "utf8");
    assert.ok(test.steps.some((s) => s.run === ".ci/run"));
    assert.match(ciRun, /npm ci/);
    assert.match(ciRun, /npm test/);
  });

  it("previews the dev stack with the policy pack on pull requests, through pulumi/actions", () => {
    const preview = workflow.jobs["policy-preview"];
    assert.ok(preview);
    assert.match(preview.if ?? "", /github\.event_name == 'pull_request'/);
    assert.equal(preview.needs, "test");
    const action = uses(preview, "pulumi/actions");
    assert.equal(action?.with?.command, "preview");
    assert.equal(action?.with?.policyPacks, "policy");
    assert.match(String(action?.with?.["stack-name"]), /\/tfc-jit-aws\//);
  });

  it("logs in with OIDC and stores no Pulumi, cloud or HCP Terraform secret", () => {
    const preview = workflow.jobs["policy-preview"];
    assert.equal(preview?.permissions?.["id-token"], "write");
    assert.ok(preview && uses(preview, "pulumi/auth-actions"));
    const text = readFileSync(path.join(ROOT, ".github/workflows/ci.yml"), "utf8");
    assert.doesNotMatch(text, /\$\{\{\s*secrets\./);
  });

  it("pins every action by full commit SHA (a moved tag cannot change what runs with the OIDC token)", () => {
    const refs = Object.values(workflow.jobs).flatMap((j) =>
      j.steps.flatMap((s) => (s.uses ? [s.uses] : [])),
    );
    assert.ok(refs.length >= 4, refs.join(", "));
    for (const ref of refs) assert.match(ref, /^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/, ref);
  });

  it("checks out without leaving the GITHUB_TOKEN in .git/config for the install scripts that follow", () => {
    for (const [name, job] of Object.entries(workflow.jobs)) {
      const checkout = uses(job, "actions/checkout");
      assert.ok(checkout, name);
      assert.equal(checkout.with?.["persist-credentials"], false, name);
    }
  });
});

/**
 * The program and its guardrails cannot drift apart: the whole dev program (stack.ts with the dev
 * stack's configuration, as `pulumi up -s dev` hands it over) runs under mocks, and every
 * mandatory policy of the pack judges what it registered, the way the engine would show it to
 * the pack: each resource's inputs with secrets unwrapped and its `additionalSecretOutputs`
 * (Analyze), and all resources' resulting state (AnalyzeStack).
 */
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { policies } from "../../policy/policies";
import { TYPES } from "../../policy/lib/resource-types";
import { readStackConfig } from "../../config";
import { createStack } from "../../stack";
import { useAgentMocks } from "../agent/fixtures";
import { ROOT, devSource } from "../program/dev-stack";
import { plain, recorder, settled } from "../support/pulumi-mocks";
import { recordSecretOutputs, registrationKey } from "../support/secret-outputs";
import { type FixtureResource, stackViolations, violations } from "./harness";

interface MockMonitor {
  getRegisteredResources(): Map<string, { state: Record<string, unknown> }>;
}

const key = registrationKey;

/** Each registered resource's resulting state (outputs), by type and name. */
function registeredStates(): Map<string, Record<string, unknown>> {
  const monitor = pulumi.runtime.getMonitor() as unknown as MockMonitor;
  const states = new Map<string, Record<string, unknown>>();
  for (const [urn, r] of monitor.getRegisteredResources()) {
    const parts = urn.split("::");
    const type = (parts[parts.length - 2] ?? "").split("$").pop() ?? "";
    states.set(key(type, parts[parts.length - 1] ?? ""), plain(r.state) as Record<string, unknown>);
  }
  return states;
}

const mandatory = policies.filter((p) => p.enforcementLevel === "mandatory");
const resourcePolicies = mandatory.filter((p): p is ResourceValidationPolicy => "validateResource" in p);
const stackPolicies = mandatory.filter((p): p is StackValidationPolicy => "validateStack" in p);

/** Per agent runtime: the agent resource kind and a change that breaks an agent setting. */
const RUNTIMES = {
  ecs: { agentType: TYPES.ecsTaskDefinition, breakAgent: { containerDefinitions: "[]x" } },
  docker: { agentType: TYPES.dockerContainer, breakAgent: { envs: ["TFC_AGENT_TOKEN=t"] } },
} as const;

for (const [runtime, { agentType, breakAgent }] of Object.entries(RUNTIMES))
  describe(`the dev program (agentRuntime ${runtime}) against the policy pack`, () => {
    useAgentMocks();
    const secretOutputs = recordSecretOutputs();
    let analyzed: FixtureResource[] = [];
    let stackResources: FixtureResource[] = [];

    beforeEach(async () => {
      createStack(readStackConfig(devSource({ agentRuntime: runtime })), { contextDir: ROOT });
      await settled();
      const states = registeredStates();
      const custom = recorder.resources.filter((r) => r.custom);
      analyzed = custom.map((r) => ({
        type: r.type,
        name: r.name,
        props: plain(r.inputs) as Record<string, unknown>,
        additionalSecretOutputs: secretOutputs.get(key(r.type, r.name)) ?? [],
      }));
      stackResources = custom.map((r, i) => ({
        ...analyzed[i],
        props: states.get(key(r.type, r.name)) ?? analyzed[i].props,
      }));
    });

    it("registers every kind the policies judge (so passing is not vacuous)", () => {
      const count = (type: string) => analyzed.filter((r) => r.type === type).length;
      assert.equal(count(TYPES.jwtAuthBackend), 1);
      assert.equal(count(TYPES.jwtAuthBackendRole), 2);
      assert.equal(count(TYPES.awsSecretBackend), 1);
      assert.equal(count(TYPES.awsSecretBackendRole), 2);
      assert.equal(count(TYPES.vaultPolicy), 2);
      assert.equal(count(TYPES.dockerImage), 1);
      assert.ok(count(agentType) >= 1, `no ${agentType}`);
      assert.equal(count(TYPES.tfcAgentToken), 1);
      assert.equal(count(TYPES.tfcWorkspace), 1);
      // The pool is restricted to the workspace: agent mode is set by a WorkspaceExecution after
      // an allow-list, not on the Workspace (which the audience policy must still see through).
      assert.equal(count("pulumi-nodejs:dynamic/tfc:AgentPoolAllowedWorkspaces"), 1);
      assert.equal(count("pulumi-nodejs:dynamic/tfc:WorkspaceExecution"), 1);
      assert.equal(analyzed.find((r) => r.type === TYPES.tfcWorkspace)!.props.executionMode, undefined);
      assert.ok(count(TYPES.tfcVariable) >= 10, `only ${count(TYPES.tfcVariable)} workspace variables`);
      assert.ok(
        analyzed.some(
          (r) => r.type === TYPES.tfcVariable && r.props.key === "TFC_WORKLOAD_IDENTITY_AUDIENCE",
        ),
      );
    });

    it("has the policies actually applying: breaking one field per kind is noticed", async () => {
      // A compliant-looking program could also mean every policy skipped every resource. Break one
      // field per kind and check a policy notices, so the mapping from policy to resource is live.
      const broken: [string, Record<string, unknown>][] = [
        [TYPES.jwtAuthBackendRole, { tokenType: "batch" }],
        [TYPES.awsSecretBackend, { maxLeaseTtlSeconds: 0 }],
        [TYPES.vaultPolicy, { policy: 'path "sys/*" { capabilities = ["update"] }' }],
        [agentType, breakAgent],
        [TYPES.tfcAgentToken, {}],
      ];
      for (const [type, change] of broken) {
        const r = analyzed.find((a) => a.type === type)!;
        const mutated = { ...r, props: { ...r.props, ...change }, additionalSecretOutputs: [] };
        const found = (await Promise.all(resourcePolicies.map((p) => violations(p, mutated)))).flat();
        assert.ok(found.length > 0, `no policy noticed a broken ${type}`);
      }
      const withoutAudience = stackResources.filter(
        (r) => !(r.type === TYPES.tfcVariable && r.props.key === "TFC_WORKLOAD_IDENTITY_AUDIENCE"),
      );
      const stackFound = (
        await Promise.all(stackPolicies.map((p) => stackViolations(p, withoutAudience)))
      ).flat();
      assert.ok(stackFound.length > 0, "no stack policy noticed the workspace losing its audience variable");
      assert.ok(
        stackFound.some((v) => v.urn?.includes("tfc:WorkspaceExecution::")),
        "the audience policy did not find the agent-mode workspace through its WorkspaceExecution",
      );
    });

    it("passes every mandatory resource policy", async () => {
      const found: string[] = [];
      for (const r of analyzed) {
        for (const p of resourcePolicies) {
          for (const message of await violations(p, r)) found.push(`${p.name}: ${message}`);
        }
      }
      assert.deepEqual(found, []);
    });

    it("passes every mandatory stack policy", async () => {
      const found: string[] = [];
      for (const p of stackPolicies) {
        for (const v of await stackViolations(p, stackResources)) found.push(`${p.name}: ${v.message}`);
      }
      assert.deepEqual(found, []);
    });
  });

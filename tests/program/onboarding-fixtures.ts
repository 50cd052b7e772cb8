/**
 * The dev stack with three onboarded workspaces and one project, as a platform team would set
 * `tfc-jit-aws:workspaces`, and helpers to build it under the shared mocks.
 */
import * as pulumi from "@pulumi/pulumi";
import { recorder, plain } from "../support/pulumi-mocks";
import { readStackConfig } from "../../config";
import { createStack, type StackOutputs } from "../../stack";
import { ROOT, devSource } from "./dev-stack";

export const ACCOUNT = "123456789012";

export const NETWORK = {
  name: "network-prod",
  id: "ws-NetProd1",
  project: "Platform Team",
  projectId: "prj-Platform1",
  apply: { policyArns: [`arn:aws:iam::${ACCOUNT}:policy/network-admin`] },
};
export const DATA = {
  name: "data-etl",
  id: "ws-DataEtl2",
  project: "Data Team",
  plan: {
    policyDocument: {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: "*" }],
    },
  },
  apply: {
    policyDocument: {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: ["s3:*"], Resource: "arn:aws:s3:::data-*" }],
    },
  },
};
export const BILLING = {
  name: "billing",
  id: "ws-Billing3",
  credentialType: "assumed_role",
  plan: { roleArns: [`arn:aws:iam::${ACCOUNT}:role/billing-read`] },
  apply: { roleArns: [`arn:aws:iam::${ACCOUNT}:role/billing-write`] },
};
export const ANALYTICS = {
  project: "Analytics",
  projectId: "prj-Analytics4",
  apply: { policyArns: [`arn:aws:iam::${ACCOUNT}:policy/analytics-write`] },
};

export const ENTRIES = [NETWORK, DATA, BILLING, ANALYTICS];

/** A second account whose roles a tagged configuration assumes. */
export const LOG_ACCOUNT = "210987654321";

/**
 * A hub workspace with two tagged AWS configurations beside its default one: LOGS assumes roles
 * in the log archive account, NETWORK gets iam_user credentials with its own policies.
 */
export const HUB = {
  name: "hub-network",
  id: "ws-HubNet5",
  project: "Platform Team",
  apply: { policyArns: [`arn:aws:iam::${ACCOUNT}:policy/hub-admin`] },
  awsConfigurations: [
    {
      tag: "LOGS",
      credentialType: "assumed_role",
      plan: { roleArns: [`arn:aws:iam::${LOG_ACCOUNT}:role/log-read`] },
      apply: { roleArns: [`arn:aws:iam::${LOG_ACCOUNT}:role/log-write`] },
    },
    {
      tag: "NETWORK",
      plan: {
        policyDocument: {
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: ["ec2:DescribeVpcs"], Resource: "*" }],
        },
      },
      apply: { policyArns: [`arn:aws:iam::${ACCOUNT}:policy/network-admin`] },
    },
  ],
};

/** A project entry whose every workspace gets one tagged configuration. */
export const TAGGED_PROJECT = {
  project: "Analytics",
  projectId: "prj-Analytics4",
  apply: { policyArns: [`arn:aws:iam::${ACCOUNT}:policy/analytics-write`] },
  awsConfigurations: [
    {
      tag: "LOGS",
      credentialType: "assumed_role",
      plan: { roleArns: [`arn:aws:iam::${LOG_ACCOUNT}:role/log-read`] },
      apply: { roleArns: [`arn:aws:iam::${LOG_ACCOUNT}:role/log-write`] },
    },
  ],
};

export const T = {
  awsRole: "vault:aws/secretBackendRole:SecretBackendRole",
  policy: "vault:index/policy:Policy",
  jwtRole: "vault:jwt/authBackendRole:AuthBackendRole",
  onboarded: "tfc-jit-aws:onboarding:OnboardedWorkspace",
  varset: "pulumi-nodejs:dynamic/tfc:VariableSet",
  varsetVariable: "pulumi-nodejs:dynamic/tfc:VariableSetVariable",
  varsetAttachment: "pulumi-nodejs:dynamic/tfc:VariableSetAttachment",
} as const;

export function buildWith(entries: readonly object[]): StackOutputs {
  return createStack(readStackConfig(devSource({ workspaces: [...entries] })), { contextDir: ROOT });
}

/** The mock monitor's registrations by URN (Pulumi's mocks keep them; the recorder keeps no parent). */
interface MockMonitor {
  readonly resources: Map<string, { urn: string; state: unknown }>;
}

function monitor(): MockMonitor {
  const m = pulumi.runtime.getMonitor() as unknown as Partial<MockMonitor> | undefined;
  if (!m?.resources) throw new Error("expected Pulumi's mock monitor");
  return m as MockMonitor;
}

/** Forgets earlier registrations, so the next program's URNs are the only ones. */
export function forgetRegistrations(): void {
  monitor().resources.clear();
  recorder.reset();
}

export function registeredUrns(): string[] {
  return [...monitor().resources.keys()].sort();
}

/** Each recorded custom resource's inputs without the serialized provider code, by `type::name`. */
export function inputsByName(): Map<string, string> {
  return new Map(
    recorder.resources
      .filter((r) => r.custom)
      .map((r) => {
        const inputs = { ...(plain(r.inputs) as Record<string, unknown>) };
        delete inputs.__provider;
        return [`${r.type}::${r.name}`, JSON.stringify(inputs)];
      }),
  );
}

/** Each registration's dependencies (URNs), by `type::name`, as the engine receives them. */
const dependencies = new Map<string, string[]>();
let recordingDependencies = false;

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getDependenciesList(): string[];
}

/**
 * Records the dependencies every registration sends to the mock monitor (Pulumi's mocks keep
 * none): Pulumi deletes in reverse dependency order, so these decide the offboarding order.
 */
export function dependenciesByName(): Map<string, string[]> {
  if (!recordingDependencies) {
    const m = monitor() as unknown as {
      registerResource(req: RegisterRequest, callback: unknown): Promise<void>;
    };
    const register = m.registerResource.bind(m);
    m.registerResource = (req, callback) => {
      dependencies.set(`${req.getType()}::${req.getName()}`, req.getDependenciesList());
      return register(req, callback);
    };
    recordingDependencies = true;
  }
  return dependencies;
}

/**
 * Runs one policy's validation function the way @pulumi/policy's analyzer server does, without
 * starting the gRPC server (`new PolicyPack()` would): hand-built args, collected messages.
 */
import type {
  PolicyResource,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";

export interface FixtureResource {
  readonly type: string;
  readonly name: string;
  readonly props: Record<string, unknown>;
  readonly additionalSecretOutputs?: readonly string[];
}

function notApplicable(reason?: string): never {
  throw new Error(`policy declared itself not applicable: ${reason ?? ""}`);
}

function urnOf(r: FixtureResource): string {
  return `urn:pulumi:dev::tfc-jit-aws::${r.type}::${r.name}`;
}

/** The violation messages one resource policy reports for one resource. */
export async function violations(
  policy: ResourceValidationPolicy,
  resource: FixtureResource,
  config: Record<string, unknown> = {},
): Promise<string[]> {
  const found: string[] = [];
  const args: ResourceValidationArgs = {
    type: resource.type,
    props: resource.props,
    urn: urnOf(resource),
    name: resource.name,
    opts: {
      protect: false,
      ignoreChanges: [],
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: [...(resource.additionalSecretOutputs ?? [])],
    },
    stackTags: new Map(),
    isType: () => false,
    asType: () => undefined,
    getConfig: <T extends object>() => config as T,
    notApplicable,
  };
  const validations = [policy.validateResource ?? []].flat();
  for (const validate of validations) await validate(args, (message) => found.push(message));
  return found;
}

/** A stack resource; `dependsOn` lists, per property, the names of resources it depends on. */
export interface FixtureStackResource extends FixtureResource {
  readonly propertyDependsOn?: Record<string, readonly string[]>;
}

/** The violation messages (with the URN each names) one stack policy reports for a stack. */
export async function stackViolations(
  policy: StackValidationPolicy,
  resources: readonly FixtureStackResource[],
): Promise<{ message: string; urn?: string }[]> {
  const built = new Map<string, PolicyResource>();
  for (const r of resources) {
    built.set(r.name, {
      type: r.type,
      props: r.props,
      urn: urnOf(r),
      name: r.name,
      opts: {
        protect: false,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [...(r.additionalSecretOutputs ?? [])],
      },
      dependencies: [],
      propertyDependencies: {},
      isType: () => false,
      asType: () => undefined,
    });
  }
  for (const r of resources) {
    const target = built.get(r.name)!;
    for (const [prop, names] of Object.entries(r.propertyDependsOn ?? {})) {
      target.propertyDependencies[prop] = names.map((n) => built.get(n)!);
    }
  }
  const found: { message: string; urn?: string }[] = [];
  await policy.validateStack(
    {
      resources: [...built.values()],
      getConfig: <T extends object>() => ({}) as T,
      stackTags: new Map(),
      notApplicable,
    },
    (message, urn) => found.push({ message, ...(urn ? { urn } : {}) }),
  );
  return found;
}

/** A copy of a fixture with some props replaced (or removed, with `undefined`). */
export function mutate(resource: FixtureResource, props: Record<string, unknown>): FixtureResource {
  const next: Record<string, unknown> = { ...resource.props, ...props };
  for (const [k, v] of Object.entries(props)) if (v === undefined) delete next[k];
  return { ...resource, props: next };
}

/**
 * Which outputs each registration asks the engine to keep secret (`additionalSecretOutputs`, the
 * option the SDKs add for their own secret fields and components add for the rest). The shared
 * mock recorder keeps inputs only, so this wraps the mock monitor's registerResource for a suite.
 *
 * Usage, inside a describe that installed the mocks:
 *   const secretOutputs = recordSecretOutputs();
 *   ... register ...
 *   secretOutputs.get(registrationKey(type, name))   // undefined if never registered
 */
import * as pulumi from "@pulumi/pulumi";

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getAdditionalsecretoutputsList(): string[];
}
interface MockMonitor {
  registerResource(req: RegisterRequest, callback: unknown): Promise<void>;
}

export const registrationKey = (type: string, name: string): string => `${type}::${name}`;

/** Mocha hooks that record every registration's additionalSecretOutputs while the suite runs. */
export function recordSecretOutputs(): Map<string, string[]> {
  const secretOutputs = new Map<string, string[]>();
  let original: MockMonitor["registerResource"] | undefined;
  before(() => {
    const monitor = pulumi.runtime.getMonitor() as unknown as MockMonitor;
    original = monitor.registerResource.bind(monitor);
    const inner = original;
    monitor.registerResource = (req, callback) => {
      secretOutputs.set(registrationKey(req.getType(), req.getName()), req.getAdditionalsecretoutputsList());
      return inner(req, callback);
    };
  });
  after(() => {
    if (original) (pulumi.runtime.getMonitor() as unknown as MockMonitor).registerResource = original;
  });
  return secretOutputs;
}

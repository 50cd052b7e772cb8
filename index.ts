// Wiring only: config.ts reads and validates the stack configuration once (every problem is
// reported before any resource registers); stack.ts builds the system from it.
import { loadConfig } from "./config";
import { createStack } from "./stack";

export = createStack(loadConfig());

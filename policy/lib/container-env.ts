/**
 * The environment of the containers an agent runs in, from the two ways the program runs agents:
 * an ECS task definition (`containerDefinitions`, JSON text) and a Docker container (`envs`,
 * `KEY=value` strings). A container counts as a tfc-agent when it sets any `TFC_AGENT_*` variable
 * or secret (an agent cannot start without `TFC_AGENT_TOKEN`) or runs a `tfc-agent` image.
 */
import { jsonObject, text, texts } from "./values";

export interface ContainerEnv {
  /** Container name (ECS) or resource name (Docker), for messages. */
  readonly name: string;
  readonly image?: string;
  /** Plain environment; secret-sourced variables (ECS `secrets`) map to undefined. */
  readonly env: ReadonlyMap<string, string | undefined>;
}

function isAgent(c: ContainerEnv): boolean {
  return [...c.env.keys()].some((k) => k.startsWith("TFC_AGENT_")) || /tfc-agent/.test(c.image ?? "");
}

/** Agent containers of an ECS task definition; undefined when the definitions are unreadable. */
export function ecsAgentContainers(containerDefinitions: unknown): ContainerEnv[] | undefined {
  let defs: unknown = containerDefinitions;
  if (typeof defs === "string") {
    try {
      defs = JSON.parse(defs);
    } catch {
      return undefined;
    }
  }
  if (!Array.isArray(defs)) return undefined;
  const containers = defs.map((d, i): ContainerEnv => {
    const def = jsonObject(d) ?? {};
    const env = new Map<string, string | undefined>();
    for (const e of Array.isArray(def.environment) ? def.environment : []) {
      const pair = jsonObject(e);
      const key = text(pair?.name);
      if (key !== undefined) env.set(key, typeof pair?.value === "string" ? pair.value : undefined);
    }
    for (const s of Array.isArray(def.secrets) ? def.secrets : []) {
      const key = text(jsonObject(s)?.name);
      if (key !== undefined && !env.has(key)) env.set(key, undefined);
    }
    const image = text(def.image);
    return { name: text(def.name) ?? `container ${i + 1}`, ...(image ? { image } : {}), env };
  });
  return containers.filter(isAgent);
}

/** A Docker container's environment when it is an agent, else undefined. */
export function dockerAgentContainer(name: string, image: unknown, envs: unknown): ContainerEnv | undefined {
  const env = new Map<string, string | undefined>();
  for (const line of texts(envs)) {
    const eq = line.indexOf("=");
    if (eq > 0) env.set(line.slice(0, eq), line.slice(eq + 1));
  }
  const img = text(image);
  const container: ContainerEnv = { name, ...(img ? { image: img } : {}), env };
  return isAgent(container) ? container : undefined;
}

/**
 * Time budget. The agent kills a hook at its timeout (default 60 s, `TFC_AGENT_HOOK_TIMEOUT` or
 * `TFC_AGENT_HOOK_<STAGE>_<PHASE>_TIMEOUT` on agents >= 1.17.1). A killed pre hook cannot clean
 * up, so the work (login, credentials, readiness probe) must finish within 75% of it, leaving the
 * rest for revoking what was obtained when something fails.
 */
import { HookFailure } from "./failure";
import type { HookKind } from "./hook-name";

const DEFAULT_TIMEOUT_S = 60;
export const WORK_SHARE = 0.75;

/** Seconds from `90`, `90s`, `2m`, `1m30s` (Go durations as the agent takes them). */
export function parseTimeout(raw: string, key: string): number {
  const text = raw.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  if (!m || text === "") {
    throw new HookFailure(
      `${key}="${raw}" is not a duration`,
      `set ${key} on the agent to seconds (e.g. 120) or a duration like 2m`,
    );
  }
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

export function hookTimeoutSeconds(hook: HookKind, env: NodeJS.ProcessEnv): number {
  const specific = `TFC_AGENT_HOOK_${hook.stage.toUpperCase()}_${hook.phase.toUpperCase()}_TIMEOUT`;
  for (const key of [specific, "TFC_AGENT_HOOK_TIMEOUT"]) {
    const raw = env[key];
    if (raw !== undefined && raw.trim() !== "") return parseTimeout(raw, key);
  }
  return DEFAULT_TIMEOUT_S;
}

export class Deadline {
  constructor(
    readonly at: number,
    /** Where the budget comes from, for the message when it runs out. */
    readonly source: string,
  ) {}

  static forHook(hook: HookKind, env: NodeJS.ProcessEnv, startedAt: number): Deadline {
    const timeout = hookTimeoutSeconds(hook, env);
    return new Deadline(
      startedAt + timeout * WORK_SHARE * 1000,
      `${Math.round(timeout * WORK_SHARE)} s of the ${timeout} s hook timeout`,
    );
  }

  /** The hard limit: the agent's kill, less a second to print and exit. */
  static hardLimit(hook: HookKind, env: NodeJS.ProcessEnv, startedAt: number): Deadline {
    const timeout = hookTimeoutSeconds(hook, env);
    return new Deadline(startedAt + timeout * 1000 - 1000, `the ${timeout} s hook timeout`);
  }

  remainingMs(now = Date.now()): number {
    return Math.max(0, this.at - now);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/**
 * Backoff `base * 1.5^attempt` with ±25% jitter (so many agents do not probe in lock step),
 * capped after the jitter: no step is ever longer than `capMs`.
 */
export function backoffMs(
  attempt: number,
  baseMs: number,
  capMs: number,
  random: () => number = Math.random,
): number {
  return Math.round(Math.min(capMs, baseMs * 1.5 ** attempt * (0.75 + random() * 0.5)));
}

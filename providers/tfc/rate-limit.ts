/**
 * One token bucket for every HCP Terraform request of this process. HCP Terraform allows 30
 * requests/s per user, shared by all of that user's tokens and clients (docs/upstream-behaviour.md
 * "HCP Terraform API"). The engine runs every dynamic resource of a stack in the one provider
 * process, in parallel, so the bucket lives on `globalThis`: each deserialized provider copy finds
 * the same one.
 *
 * Rate 16/s, burst 4: at most 4 + 16 = 20 requests in any one-second window, two thirds of the
 * documented limit, which leaves room for the same user's other clients (the UI, CI, agents
 * polling with a user token) and for clock skew between our window and the server's.
 *
 * A 429 pauses the whole bucket, not only the request that got it, until the time the server
 * named (`X-RateLimit-Reset` seconds, the header go-tfe's backoff reads, or `Retry-After`).
 *
 * Implemented as a generic cell rate algorithm: one number (the theoretical arrival time of the
 * next request) instead of a queue, so a reservation is synchronous and needs no lock. The clock
 * is injectable so tests assert the waits without measuring wall time.
 */

export interface RateClock {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

export interface RateLimit {
  readonly ratePerSecond: number;
  readonly burst: number;
}

export const DEFAULT_RATE_LIMIT: RateLimit = { ratePerSecond: 16, burst: 4 };

interface LimiterState {
  /** Theoretical arrival time of the next request, in clock milliseconds. */
  tat: number;
  limit: RateLimit;
  clock: RateClock;
}

/** A plain string key (a Symbol would not survive Pulumi's closure serializer). */
const KEY = "__tfcJitAwsRateLimiter";

export const REAL_CLOCK: RateClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: () => Math.random(),
};

/** The process-wide limiter, created on first use. */
export function limiter(): LimiterState {
  const g = globalThis as unknown as Record<string, LimiterState | undefined>;
  let state = g[KEY];
  if (!state) {
    state = { tat: 0, limit: DEFAULT_RATE_LIMIT, clock: REAL_CLOCK };
    g[KEY] = state;
  }
  return state;
}

/**
 * Reserves the next slot and returns how long to wait for it (0 when the burst allows it now).
 * Pure over the state, so it can be unit-tested with plain numbers.
 */
export function reserve(state: { tat: number; limit: RateLimit }, now: number): number {
  const interval = 1000 / state.limit.ratePerSecond;
  const tolerance = (state.limit.burst - 1) * interval;
  const allowedAt = Math.max(now, state.tat - tolerance);
  state.tat = Math.max(state.tat, now) + interval;
  return allowedAt - now;
}

/** Waits for this process's next request slot. */
export async function acquire(): Promise<void> {
  const state = limiter();
  const wait = reserve(state, state.clock.now());
  if (wait > 0) await state.clock.sleep(wait);
}

/** Holds every later request of this process until `ms` from now (after a 429). */
export function pauseAll(ms: number): void {
  const state = limiter();
  const now = state.clock.now();
  const tolerance = (state.limit.burst - 1) * (1000 / state.limit.ratePerSecond);
  // The next slot opens at now + ms; the burst is not granted again right after a 429.
  state.tat = Math.max(state.tat, now + ms + tolerance);
}

/** For tests and benchmarks: replace the clock and/or the rate; returns a function that restores them. */
export function configureLimiter(options: { clock?: RateClock; limit?: RateLimit }): () => void {
  const state = limiter();
  const saved = { clock: state.clock, limit: state.limit, tat: state.tat };
  if (options.clock) state.clock = options.clock;
  if (options.limit) state.limit = options.limit;
  state.tat = 0;
  return () => {
    state.clock = saved.clock;
    state.limit = saved.limit;
    state.tat = 0;
  };
}

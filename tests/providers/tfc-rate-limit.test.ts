/**
 * The process-wide HCP Terraform rate limiter and the 429 handling, on an injected clock: every
 * assertion is about the waits the client asked for, never about wall time.
 */
import { strict as assert } from "node:assert";
import { apiRequest, rateLimitWaitMs, DEFAULT_RETRY } from "../../providers/tfc/client";
import { resolveConnection, type TfcConnection } from "../../providers/tfc/credentials";
import {
  configureLimiter,
  DEFAULT_RATE_LIMIT,
  limiter,
  reserve,
  type RateClock,
} from "../../providers/tfc/rate-limit";
import { startTfcApiDouble, type TfcApiDouble } from "../support/tfc-api-double";

/** A clock that only moves when someone sleeps on it, recording every wait. */
function fakeClock(): RateClock & { t: number; sleeps: number[] } {
  const clock = {
    t: 1_000_000,
    sleeps: [] as number[],
    now: () => clock.t,
    sleep: (ms: number) => {
      clock.sleeps.push(ms);
      clock.t += ms;
      return Promise.resolve();
    },
    random: () => 0,
  };
  return clock;
}

/** The most requests that fall in any window of `windowMs` (start inclusive). */
function peak(times: number[], windowMs = 1000): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i] - sorted[j] >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

describe("HCP Terraform rate limiter (process-wide token bucket)", () => {
  it("lets a burst of 4 through, then one request every 62.5 ms (16/s)", () => {
    const state = { tat: 0, limit: DEFAULT_RATE_LIMIT };
    const waits = Array.from({ length: 8 }, () => reserve(state, 10_000));
    assert.deepEqual(waits, [0, 0, 0, 0, 62.5, 125, 187.5, 250]);
  });

  it("never allows more than 20 requests in any second, however many arrive at once", () => {
    const state = { tat: 0, limit: DEFAULT_RATE_LIMIT };
    const start = 50_000;
    const times = Array.from({ length: 500 }, () => start + reserve(state, start));
    // In any one-second window [t, t + 1 s): the burst of 4 and 15 more slots 62.5 ms apart.
    assert.equal(peak(times), 19);
    assert.ok(peak(times, 1001) <= 20 && 20 < 30, "the documented limit is 30 requests/s per user");
    // and it does not idle: 500 requests take (500 - 4) / 16 s.
    assert.equal(Math.max(...times) - start, ((500 - 4) * 1000) / 16);
  });

  it("refills while idle, but never above the burst", () => {
    const state = { tat: 0, limit: DEFAULT_RATE_LIMIT };
    for (let i = 0; i < 10; i++) reserve(state, 0);
    // Ten seconds later the bucket is full again: 4 at once, the 5th waits.
    const waits = Array.from({ length: 5 }, () => reserve(state, 10_000));
    assert.deepEqual(waits, [0, 0, 0, 0, 62.5]);
  });

  it("is one object on globalThis, shared by every copy of the module (every resource in the provider process)", () => {
    const first = limiter();
    const path = require.resolve("../../providers/tfc/rate-limit");
    const cached = require.cache[path];
    delete require.cache[path];
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const fresh = require(path) as typeof import("../../providers/tfc/rate-limit");
      assert.notEqual(fresh.limiter, limiter, "a second copy of the module was loaded");
      assert.equal(fresh.limiter(), first);
    } finally {
      if (cached) require.cache[path] = cached;
    }
  });

  describe("429 answers", () => {
    let double: TfcApiDouble;
    let conn: TfcConnection;
    let clock: ReturnType<typeof fakeClock>;
    let restore: () => void;
    before(async () => {
      double = await startTfcApiDouble();
    });
    after(() => double.stop());
    beforeEach(() => {
      double.reset();
      conn = resolveConnection({ hostname: double.url, token: double.validToken }, {});
      clock = fakeClock();
      restore = configureLimiter({ clock });
    });
    afterEach(() => restore());

    const get = (path: string) =>
      apiRequest(conn, { method: "GET", path, subject: "workspace", retry: { maxDelayMs: 30_000 } });

    it("waits the X-RateLimit-Reset seconds (fractional, as go-tfe reads them) before retrying", async () => {
      const ws = double.seed("workspaces", "acme", { name: "w" });
      double.faults.push({ status: 429, rateLimitReset: "1.5", times: 1 });
      const res = await get(`/workspaces/${ws.id}`);
      assert.equal(res.status, 200);
      assert.deepEqual(clock.sleeps, [1500]);
      assert.equal(double.log.length, 2);
    });

    it("honours Retry-After too, and the longer of the two when both are sent", async () => {
      const ws = double.seed("workspaces", "acme", { name: "w" });
      double.faults.push({ status: 429, retryAfter: "2", times: 1 });
      await get(`/workspaces/${ws.id}`);
      double.faults.push({ status: 429, retryAfter: "1", rateLimitReset: "3.25", times: 1 });
      await get(`/workspaces/${ws.id}`);
      // 62.5 ms: after a 429 the burst is not granted again, the next request takes the next slot.
      assert.deepEqual(clock.sleeps, [2000, 62.5, 3250]);
    });

    it("a 429 holds back every other request of the process until the reset", async () => {
      const ws = double.seed("workspaces", "acme", { name: "w" });
      double.faults.push({ status: 429, rateLimitReset: "2", times: 1 });
      const t0 = clock.t;
      await get(`/workspaces/${ws.id}`);
      // Another resource's request right after the 429 and its retry waits for the next slot.
      await get(`/workspaces/${ws.id}`);
      assert.ok(clock.t - t0 >= 2000, `only ${clock.t - t0} ms of waiting`);
      assert.deepEqual(clock.sleeps, [2000, 62.5]);
    });

    it("without either header, backs off exponentially with jitter", async () => {
      const ws = double.seed("workspaces", "acme", { name: "w" });
      double.faults.push({ status: 429, times: 2 });
      clock.random = () => 1;
      await get(`/workspaces/${ws.id}`);
      assert.deepEqual(clock.sleeps, [DEFAULT_RETRY.baseDelayMs, DEFAULT_RETRY.baseDelayMs * 2]);
    });
  });

  it("reads the headers as documented: junk is ignored, the wait is capped", () => {
    const policy = { ...DEFAULT_RETRY, maxDelayMs: 10_000 };
    const h = (entries: Record<string, string>) => new Headers(entries);
    assert.equal(
      rateLimitWaitMs(h({}), policy, 0, () => 0),
      undefined,
    );
    assert.equal(
      rateLimitWaitMs(h({ "X-RateLimit-Reset": "soon" }), policy, 0, () => 0),
      undefined,
    );
    assert.equal(
      rateLimitWaitMs(h({ "X-RateLimit-Reset": "0.25" }), policy, 0, () => 0),
      250,
    );
    assert.equal(
      rateLimitWaitMs(h({ "X-RateLimit-Reset": "3600" }), policy, 0, () => 0),
      10_000,
    );
    assert.equal(
      rateLimitWaitMs(h({ "X-RateLimit-Reset": "1" }), policy, 0, () => 1),
      1250,
    );
    assert.equal(
      rateLimitWaitMs(h({ "Retry-After": new Date(4000).toUTCString() }), policy, 1000, () => 0),
      3000,
    );
  });
});

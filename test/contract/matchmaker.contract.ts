/**
 * The matchmaker port contract (src/ports/matchmaker.ts), as one suite every
 * implementation runs: test/contract/in-process-matchmaker.test.ts and
 * test/redis/redis-matchmaker.contract.test.ts.
 *
 * A harness gives two views of one fresh backend ("a" and "b", like two processes of one
 * cluster; the in-process matchmaker gives the same instance twice) and a manual clock
 * that drives every TTL, so expiry is tested at the exact millisecond without sleeping.
 * Where a view learns another view's change through `watch`, the test waits for that
 * event rather than for time.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { MatchmakerUnavailable, type Matchmaker } from "../../src/internal.js";
import type { ManualClock } from "../support/manual-clock.js";

export interface ContractBackend {
  a: Matchmaker;
  b: Matchmaker;
  clock: ManualClock;
  teardown(): Promise<void>;
}

export interface MatchmakerHarness {
  /** Printed reason to skip the whole suite (e.g. redis-server missing), or undefined. */
  skip?: () => string | undefined;
  beforeAll?: () => Promise<void>;
  afterAll?: () => Promise<void>;
  /** A fresh backend nobody else uses. */
  setup(): Promise<ContractBackend>;
  /** A matchmaker whose backend cannot be reached. */
  unavailable(): Promise<{ mm: Matchmaker; teardown(): Promise<void> }>;
  /**
   * What the backend cannot do, each with the printed reason (the Redis matchmaker with
   * keyScheme "oslo", spec/matchmaker-redis.md): no change feed (another view sees a change
   * at its next lookup, which the tests then make at once), no exchange in the key, expiry
   * by the backend's own time instead of the manual clock (those tests are skipped).
   */
  lacks?: { changeFeed?: string; exchangeScope?: string; manualClockTtl?: string };
}

const H1 = "tcp://10.0.0.1:5001";
const H2 = "tcp://10.0.0.2:5002";
const H3 = "tcp://10.0.0.3:5003";

/** Resolves at the next watch event for `key` on `mm` (immediately if it cannot watch or has no change feed). */
function nextChange(mm: Matchmaker, key: string, feed = true): Promise<void> {
  if (!mm.watch || !feed) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const guard = setTimeout(() => {
      stop();
      reject(new Error(`no watch event for ${key} within 5 s`));
    }, 5000);
    const stop = mm.watch!((k) => {
      if (k !== key) return;
      clearTimeout(guard);
      stop();
      resolve();
    });
  });
}

export function matchmakerContract(name: string, h: MatchmakerHarness): void {
  const reason = h.skip?.();
  describe(`matchmaker contract: ${name}`, { skip: reason ?? false, timeout: 60_000 }, () => {
    let be: ContractBackend;
    before(async () => {
      await h.beforeAll?.();
    });
    after(async () => {
      await h.afterAll?.();
    });
    const feed = h.lacks?.changeFeed === undefined;
    const change = (mm: Matchmaker, key: string): Promise<void> => nextChange(mm, key, feed);
    const withBackend = (title: string, fn: (be: ContractBackend) => Promise<void>, skip?: string): void => {
      test(title, { skip: skip ?? false }, async () => {
        be = await h.setup();
        try {
          await fn(be);
        } finally {
          await be.teardown();
        }
      });
    };

    withBackend("getHosts of an unknown key is empty", async ({ a, b }) => {
      assert.deepEqual(await a.getHosts("ex/nobody"), []);
      assert.deepEqual(await b.getHosts("ex/nobody"), []);
    });

    withBackend("register is idempotent and every view sees the host once", async ({ a, b }) => {
      await a.register("ex/t", H1, null);
      await a.register("ex/t", H1, null);
      assert.deepEqual(await a.getHosts("ex/t"), [H1]);
      assert.deepEqual(await b.getHosts("ex/t"), [H1]);
    });

    withBackend("getHosts returns the hosts sorted and without duplicates", async ({ a, b }) => {
      for (const h of [H3, H1, H2, H1]) await a.register("ex/t", h, null);
      assert.deepEqual(await a.getHosts("ex/t"), [H1, H2, H3]);
      assert.deepEqual(await b.getHosts("ex/t"), [H1, H2, H3]);
    });

    withBackend("keys are independent: a topic key, its server keys and another exchange's key", async ({ a }) => {
      await a.register("ex/t", H1, null);
      await a.register("ex/t/s1", H1, null);
      if (h.lacks?.exchangeScope === undefined) await a.register("other/t", H2, null);
      assert.deepEqual(await a.getHosts("ex/t"), [H1]);
      assert.deepEqual(await a.getHosts("ex/t/s1"), [H1]);
      assert.deepEqual(await a.getHosts("ex/t/s2"), []);
      if (h.lacks?.exchangeScope === undefined) assert.deepEqual(await a.getHosts("other/t"), [H2]);
    });

    withBackend(
      "unregister removes the host at once; a view that cached it learns it through its change feed",
      async ({ a, b }) => {
        await a.register("ex/t", H1, null);
        await a.register("ex/t", H2, null);
        assert.deepEqual(await b.getHosts("ex/t"), [H1, H2]);
        const seen = change(b, "ex/t");
        await a.unregister("ex/t", H1);
        assert.deepEqual(await a.getHosts("ex/t"), [H2]);
        await seen;
        assert.deepEqual(await b.getHosts("ex/t"), [H2]);
      },
    );

    withBackend(
      "peekHosts, where implemented, answers what getHosts answers or nothing (undefined: ask getHosts)",
      async ({ a, b, clock }) => {
        const agree = async (key: string): Promise<void> => {
          for (const view of [a, b]) {
            const peeked = view.peekHosts?.(key);
            if (peeked !== undefined)
              assert.deepEqual([...peeked], await view.getHosts(key), `peekHosts(${key}) differs from getHosts`);
          }
        };
        await agree("ex/t");
        await a.register("ex/t", H2, null);
        await a.register("ex/t", H1, 1000);
        await agree("ex/t");
        await a.unregister("ex/t", H2);
        await agree("ex/t");
        clock.advance(1000);
        await agree("ex/t");
      },
    );

    withBackend("unregister of an unknown entry is a no-op", async ({ a }) => {
      await a.register("ex/t", H1, null);
      await a.unregister("ex/t", H2);
      await a.unregister("ex/none", H1);
      assert.deepEqual(await a.getHosts("ex/t"), [H1]);
    });

    withBackend(
      "a TTL entry is visible until exactly ttl after its registration, then gone",
      async ({ a, b, clock }) => {
        await a.register("ex/t", H1, 1000);
        assert.deepEqual(await b.getHosts("ex/t"), [H1]);
        clock.advance(999);
        assert.deepEqual(await a.getHosts("ex/t"), [H1]);
        assert.deepEqual(await b.getHosts("ex/t"), [H1]);
        clock.advance(1);
        assert.deepEqual(await a.getHosts("ex/t"), []);
        assert.deepEqual(await b.getHosts("ex/t"), []);
      },
      h.lacks?.manualClockTtl,
    );

    withBackend(
      "refreshing a TTL entry keeps it visible until ttl after the latest refresh",
      async ({ a, b, clock }) => {
        await a.register("ex/t", H1, 1000);
        await a.register("ex/t", H2, 1000);
        assert.deepEqual(await b.getHosts("ex/t"), [H1, H2]);
        clock.advance(800);
        await a.register("ex/t", H1, 1000); // refresh H1 only
        clock.advance(800); // t = 1600: H2 expired at 1000, H1 lives until 1800
        assert.deepEqual(await a.getHosts("ex/t"), [H1]);
        assert.deepEqual(await b.getHosts("ex/t"), [H1]);
        clock.advance(199);
        assert.deepEqual(await b.getHosts("ex/t"), [H1]);
        clock.advance(1);
        assert.deepEqual(await a.getHosts("ex/t"), []);
        assert.deepEqual(await b.getHosts("ex/t"), []);
      },
      h.lacks?.manualClockTtl,
    );

    withBackend("an entry registered without TTL stays until unregistered", async ({ a, b, clock }) => {
      await a.register("ex/t", H1, null);
      clock.advance(10 * 24 * 3600 * 1000);
      assert.deepEqual(await b.getHosts("ex/t"), [H1]);
      const seen = change(b, "ex/t");
      await a.unregister("ex/t", H1);
      await seen;
      assert.deepEqual(await b.getHosts("ex/t"), []);
    });

    withBackend(
      "an expired host comes back only when registered again",
      async ({ a, b, clock }) => {
        await a.register("ex/t", H1, 500);
        clock.advance(600);
        assert.deepEqual(await b.getHosts("ex/t"), []);
        let seen = change(b, "ex/t");
        await a.register("ex/t", H2, 500); // a write for the key: expired entries are pruned, not revived
        await seen;
        assert.deepEqual(await b.getHosts("ex/t"), [H2]);
        seen = change(b, "ex/t");
        await a.register("ex/t", H1, 500);
        await seen;
        assert.deepEqual(await b.getHosts("ex/t"), [H1, H2]);
      },
      h.lacks?.manualClockTtl,
    );

    withBackend(
      "an unregistered host stays gone through later expiries and writes to its key",
      async ({ a, b, clock }) => {
        await a.register("ex/t", H1, 1000);
        await a.register("ex/t", H2, 5000);
        await a.unregister("ex/t", H1);
        clock.advance(1500);
        await a.register("ex/t", H3, 1000);
        assert.deepEqual(await a.getHosts("ex/t"), [H2, H3]);
        assert.deepEqual(await b.getHosts("ex/t"), [H2, H3]);
      },
    );

    withBackend("a view waiting on a key is told when another view registers a host there", async ({ a, b }) => {
      assert.deepEqual(await b.getHosts("ex/later"), []);
      const seen = change(b, "ex/later");
      await a.register("ex/later", H1, null);
      await seen;
      assert.deepEqual(await b.getHosts("ex/later"), [H1]);
    });

    test("every operation on an unreachable backend rejects with MatchmakerUnavailable", async () => {
      const { mm, teardown } = await h.unavailable();
      try {
        await assert.rejects(mm.register("ex/t", H1, 1000), MatchmakerUnavailable);
        await assert.rejects(mm.getHosts("ex/t"), MatchmakerUnavailable);
        await assert.rejects(mm.unregister("ex/t", H1), MatchmakerUnavailable);
      } finally {
        await teardown();
      }
    });
  });
}

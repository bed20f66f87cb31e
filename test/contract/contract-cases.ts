/**
 * How a socket port contract case runs, shared by the plain and the CURVE contracts: each
 * case gets a fresh environment and the suite's tools; every socket the tools opened is
 * closed and the environment torn down afterwards, whether the case passed or not. And
 * `within`: a promise that must settle within the contract's wait, on the environment's
 * clock (virtual in the simulator, real over zeromq.js).
 */
import { it } from "node:test";
import type { PortSocket } from "../../src/ports/socket.js";

/** What a case needs of its environment here. */
export interface CaseEnv {
  sleep(ms: number): Promise<void>;
  close(): Promise<void>;
}

/** `withEnv(title, body)`: one `it` per case, with a fresh environment and tools over it. */
export function caseRunner<E extends CaseEnv, T>(
  makeEnv: () => Promise<E>,
  makeTools: (env: E, open: PortSocket[]) => T,
): (title: string, body: (env: E, t: T) => Promise<void>) => void {
  return (title, body) => {
    it(title, async () => {
      const env = await makeEnv();
      const open: PortSocket[] = [];
      try {
        await body(env, makeTools(env, open));
      } finally {
        for (const s of open) s.close();
        await env.close();
      }
    });
  };
}

/** `p`, or a rejection once `waitMs` passed on `env`'s clock. */
export function withinOn(env: CaseEnv, waitMs: number): <R>(p: Promise<R>) => Promise<R> {
  return <R>(p: Promise<R>): Promise<R> =>
    Promise.race([p, env.sleep(waitMs).then(() => Promise.reject(new Error(`no result within ${waitMs} ms`)))]);
}

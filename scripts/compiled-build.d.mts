/** Types of scripts/compiled-build.mjs, for the tests that import it. */
export declare const root: string;
export declare const buildDir: string;
export declare function withLock<T>(lockPath: string, fn: () => T | Promise<T>, staleMs?: number): Promise<T>;
export declare function buildCompiled(what: string): Promise<boolean>;

// Types of scripts/build.mjs for the TypeScript that imports it (tests, benches).
export declare const DIST: string;
/** Builds dist/ (or `outdir`) from the sources; resolves with the build's duration in ms. */
export declare function buildProduct(outdir?: string): Promise<number>;
/** Whether dist/ (or `outdir`) was built from the sources as they are now. */
export declare function buildIsCurrent(outdir?: string): boolean;

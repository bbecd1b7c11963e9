// Types of node-dist.mjs, for the tests that use it.
/** The Node release of each maintained major that prebuilds are made for and CI runs on. */
export declare const NODE_VERSIONS: string[];
/** Where unpacked Node packages are cached. */
export declare const cacheDir: string;
/** The unpacked `node-<target>@<version>` package folder (fetched if missing), or undefined when `cachedOnly` and not cached. */
export declare function nodeDist(version: string, target?: string, cachedOnly?: boolean): string | undefined;

// Where node-gyp is: the copy npm passes to lifecycle scripts (npm_config_node_gyp), one installed
// next to this package, or the one bundled with the npm on the PATH.
import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import process from 'node:process';

export function nodeGypScript() {
  if (process.env.npm_config_node_gyp) return process.env.npm_config_node_gyp;
  const require = createRequire(import.meta.url);
  try {
    return require.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    // not a dependency here: use npm's own
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    try {
      const npmCli = realpathSync(join(dir, 'npm'));
      return require.resolve('node-gyp/bin/node-gyp.js', { paths: [dirname(npmCli)] });
    } catch {
      // no npm here, or one without node-gyp
    }
  }
  return undefined;
}

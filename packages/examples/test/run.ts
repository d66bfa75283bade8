import { type SpawnSyncReturns, spawnSync } from 'node:child_process';

/** Run an example as users run it, from the build: `node dist/<script> <args>`. */
export function runExample(script: string, args: readonly string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [new URL(`../dist/${script}`, import.meta.url).pathname, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });
}

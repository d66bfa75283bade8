#!/usr/bin/env node
/**
 * Finds `nats-server` for the tests, the examples and the benchmarks, and fetches it into a
 * project-local cache (`.cache/nats-server/nats-server`) where it is missing — without touching
 * the system: on Debian/Ubuntu, `apt-get download nats-server` and `dpkg-deb -x` need no root
 * when the package lists are there (as root, a missing list is fetched with `apt-get update`).
 *
 *   node scripts/nats-server.mjs            find or fetch; warn in one line if impossible (exit 0)
 *   node scripts/nats-server.mjs --require  the same, but exit 1 if there is none afterwards
 *
 * `pnpm install` runs the first (postinstall), `pnpm test` and `pnpm test:chaos` the second.
 * Where it looks, in order, is what `findNatsServer()` in `@troupe/transport-nats/testing` uses:
 * `$TROUPE_NATS_SERVER`, `/usr/sbin`, `/usr/bin`, `/usr/local/bin`, `PATH`, then the cache.
 * Plain Node on purpose: it runs before anything is built.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cacheDir = join(root, '.cache', 'nats-server');
const cached = join(cacheDir, 'nats-server');
const required = process.argv.includes('--require');
const HOW =
  'install it (Debian/Ubuntu: apt-get install nats-server; macOS: brew install nats-server; ' +
  'anywhere with Go: go install github.com/nats-io/nats-server/v2@v2.9.10) ' +
  'or point TROUPE_NATS_SERVER at the binary, then run the command again';

/** `<bin> --version` if it runs, else undefined. */
function version(bin) {
  try {
    return execFileSync(bin, ['--version'], {
      encoding: 'utf8',
      timeout: 5000,
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}

/** The first place that holds a nats-server, as findNatsServer() looks. */
function find() {
  const given = process.env.TROUPE_NATS_SERVER;
  if (given !== undefined && given !== '') return given;
  const onPath = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((d) => d !== '')
    .map((d) => join(d, 'nats-server'));
  return [
    '/usr/sbin/nats-server',
    '/usr/bin/nats-server',
    '/usr/local/bin/nats-server',
    ...onPath,
    cached,
  ].find((p) => existsSync(p));
}

/** Runs a command quietly; true if it exited 0. */
function run(cmd, args, cwd) {
  try {
    execFileSync(cmd, args, { cwd, stdio: 'ignore', timeout: 120_000 });
    return true;
  } catch {
    return false;
  }
}

/** Fetches Debian's package into the cache; a reason string if it could not. */
function fetchDebian() {
  if (process.platform !== 'linux') return `no apt on ${process.platform}`;
  if (!run('apt-get', ['--version']) || !run('dpkg-deb', ['--version'])) return 'no apt-get/dpkg-deb here';
  const work = mkdtempSync(join(tmpdir(), 'troupe-nats-server-'));
  try {
    let ok = run('apt-get', ['download', '-q', 'nats-server'], work);
    if (!ok && process.getuid?.() === 0)
      ok = run('apt-get', ['update', '-qq']) && run('apt-get', ['download', '-q', 'nats-server'], work);
    const deb = readdirSync(work).find((f) => f.endsWith('.deb'));
    if (!ok || deb === undefined)
      return '`apt-get download nats-server` failed (no package lists? run apt-get update)';
    if (!run('dpkg-deb', ['-x', deb, 'x'], work)) return `could not unpack ${deb}`;
    const bin = join(work, 'x', 'usr', 'sbin', 'nats-server');
    if (!existsSync(bin)) return `${deb} holds no usr/sbin/nats-server`;
    mkdirSync(cacheDir, { recursive: true });
    copyFileSync(bin, `${cached}.tmp`);
    chmodSync(`${cached}.tmp`, 0o755);
    execFileSync('mv', ['-f', `${cached}.tmp`, cached]);
    return undefined;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

let bin = find();
let v = bin === undefined ? undefined : version(bin);
if (v === undefined && process.env.TROUPE_NATS_SERVER) {
  console.error(
    `nats-server: TROUPE_NATS_SERVER=${process.env.TROUPE_NATS_SERVER} does not run; fix it or unset it`,
  );
  process.exit(required ? 1 : 0);
}
let why;
if (v === undefined) {
  why = fetchDebian();
  bin = cached;
  v = why === undefined ? version(cached) : undefined;
  if (v !== undefined)
    console.log(`nats-server: fetched Debian's package into ${cached} (${v}); the system is unchanged`);
}
if (v === undefined) {
  const line = `nats-server: not found and not fetched (${why ?? 'the fetched binary does not run'}): ${HOW}`;
  console.error(required ? line : `${line} — needed only by the tests and by nodes over NATS`);
  process.exit(required ? 1 : 0);
}
if (process.argv.includes('--print')) console.log(bin);

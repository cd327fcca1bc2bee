/**
 * Compiles the services, libraries and dev tools to JavaScript, so they run on plain `node`
 * instead of compiling TypeScript in every process at start-up (`-r @swc-node/register`):
 *
 *   npm run build            -> dist/apps/<service>/src/main.js   (dist is a link to the newest build)
 *
 * Why: @swc-node/register loads the TypeScript compiler (to read tsconfig) and swc's native
 * binding into every service process and every payments provider thread: 93 MB of resident memory
 * before the service's own code (41 MB for plain node), against a budget of 300 MB a service. It
 * also maps every stack trace through its source maps, which the Stripe SDK pays on each request.
 *
 * The same swc options as the tests (swc-options.js). Each build goes to a directory of its own
 * under .cache/build and `dist` is then re-pointed at it in one rename, so a stack starting while
 * another builds never reads a half-written file; a process keeps the build it started from.
 * Imports of `@billing/*` resolve through `node_modules/@billing` inside the build (from
 * tsconfig.base.json's paths); a package's folders beside `src` (templates, seed data, console
 * assets) are linked into the build, where the code looks for them relative to itself.
 */
import { transformFile, Options } from '@swc/core';
import { copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const BUILDS = path.join(ROOT, '.cache', 'build');
const LINK = path.join(ROOT, 'dist');
/**
 * Builds are removed once a day old (5 MB each): a stack restarts its processes from the build it
 * started with (the crash tests do), while other stacks, tests in parallel, make builds of their own.
 */
const KEEP_BUILDS_MS = 24 * 3600_000;

const SWC: Options = {
  ...(require(path.join(ROOT, 'swc-options.js')) as Options),
  sourceMaps: true,
  swcrc: false,
  configFile: false,
};

function* filesUnder(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* filesUnder(full);
    else yield full;
  }
}

/** The workspace's packages: apps/*, libs/*, tools/* that have a src folder. */
function packages(): string[] {
  return ['apps', 'libs', 'tools'].flatMap((group) =>
    readdirSync(path.join(ROOT, group))
      .map((name) => path.join(group, name))
      .filter((pkg) => existsSync(path.join(ROOT, pkg, 'src'))),
  );
}

async function compilePackage(pkg: string, out: string): Promise<number> {
  let compiled = 0;
  const work: Promise<void>[] = [];
  for (const file of filesUnder(path.join(ROOT, pkg, 'src'))) {
    const relative = path.relative(ROOT, file);
    const target = path.join(out, relative);
    mkdirSync(path.dirname(target), { recursive: true });
    if (file.endsWith('.spec.ts')) continue;
    if (!file.endsWith('.ts')) {
      copyFileSync(file, target); // message catalogs and other data the code imports
      continue;
    }
    const js = target.replace(/\.ts$/, '.js');
    work.push(
      transformFile(file, { ...SWC, filename: file, sourceFileName: path.relative(path.dirname(js), file) }).then((result) => {
        writeFileSync(js, `${result.code}\n//# sourceMappingURL=${path.basename(js)}.map\n`);
        if (result.map) writeFileSync(`${js}.map`, result.map);
      }),
    );
    compiled++;
  }
  await Promise.all(work);
  // folders beside src that the code reads relative to itself (templates, seed, console)
  for (const entry of readdirSync(path.join(ROOT, pkg), { withFileTypes: true })) {
    if (entry.isDirectory() && entry.name !== 'src' && entry.name !== 'test') {
      symlinkSync(path.join(ROOT, pkg, entry.name), path.join(out, pkg, entry.name));
    }
  }
  return compiled;
}

/** node_modules/@billing/<name>/index.js in the build, for each path alias of tsconfig.base.json. */
function linkAliases(out: string): void {
  const { compilerOptions } = require(path.join(ROOT, 'tsconfig.base.json')) as { compilerOptions: { paths: Record<string, string[]> } };
  for (const [alias, [target]] of Object.entries(compilerOptions.paths)) {
    const dir = path.join(out, 'node_modules', alias);
    mkdirSync(dir, { recursive: true });
    const js = path.relative(dir, path.join(out, target.replace(/\.ts$/, '.js')));
    writeFileSync(path.join(dir, 'index.js'), `module.exports = require(${JSON.stringify(js)});\n`);
  }
}

/** Builds into a new directory, points `dist` at it and returns its path. */
export async function build(): Promise<string> {
  mkdirSync(BUILDS, { recursive: true });
  const id = `${Date.now()}-${process.pid}-${randomBytes(3).toString('hex')}`; // two stacks of one process may build at once
  const out = path.join(BUILDS, id);
  const started = Date.now();
  let files = 0;
  for (const pkg of packages()) files += await compilePackage(pkg, out);
  linkAliases(out);
  const temporaryLink = `${LINK}.${id}`;
  symlinkSync(out, temporaryLink);
  if (lstatSync(LINK, { throwIfNoEntry: false })?.isDirectory()) rmSync(LINK, { recursive: true }); // a dist folder from elsewhere
  renameSync(temporaryLink, LINK); // atomic: `dist` names the old build or the new one, never neither
  for (const old of readdirSync(BUILDS)) {
    const madeAt = Number(old.split('-')[0]);
    if (madeAt < Date.now() - KEEP_BUILDS_MS) rmSync(path.join(BUILDS, old), { recursive: true, force: true });
  }
  console.log(`[build] ${files} files compiled in ${((Date.now() - started) / 1000).toFixed(1)}s -> ${path.relative(ROOT, out)} (dist)`);
  return out;
}

if (require.main === module) {
  build().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}

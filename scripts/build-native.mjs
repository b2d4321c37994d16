#!/usr/bin/env node
// Builds the native addon (native/binding.gyp) into build/native/hvmio_native.node.
//
// Offline by design: node-gyp is pointed at the headers of the Node that runs this script
// (Debian's nodejs ships them under /usr/include/node), so it never tries to download a
// header tarball. npm's own `nodedir` setting wins when present. We invoke node-gyp ourselves
// rather than through an install script, which npm 11 would block.
//
// Idempotent: skipped when the output is newer than every addon source and was built for this
// Node (ABI version, architecture) and this node-addon-api. FORCE_NATIVE_BUILD=1 rebuilds.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = join(root, 'native');
const outDir = join(root, 'build', 'native');
const output = join(outDir, 'hvmio_native.node');
const stampFile = join(outDir, 'hvmio_native.stamp.json');
const require = createRequire(import.meta.url);

function newestMtime(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.name === 'build') continue; // node-gyp's own output tree
    newest = Math.max(newest, newestMtime(join(path, entry.name)));
  }
  return newest;
}

function nodeAddonApiVersion() {
  return JSON.parse(readFileSync(require.resolve('node-addon-api/package.json'), 'utf8')).version;
}

/** The headers directory for node-gyp's --nodedir: npm's setting, else this Node's prefix. */
function findNodeDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const prefix = dirname(dirname(process.execPath));
  if (existsSync(join(prefix, 'include', 'node', 'common.gypi'))) return prefix;
  return undefined; // node-gyp's default (downloads headers; fails offline)
}

const stamp = {
  node: process.version,
  modules: process.versions.modules,
  arch: process.arch,
  nodeAddonApi: nodeAddonApiVersion(),
};

function upToDate() {
  if (process.env.FORCE_NATIVE_BUILD || !existsSync(output) || !existsSync(stampFile)) return false;
  const sources = Math.max(newestMtime(nativeDir), statSync(fileURLToPath(import.meta.url)).mtimeMs);
  if (statSync(output).mtimeMs < sources) return false;
  try {
    return JSON.stringify(JSON.parse(readFileSync(stampFile, 'utf8'))) === JSON.stringify(stamp);
  } catch {
    return false;
  }
}

if (upToDate()) process.exit(0);

const nodeDir = findNodeDir();
if (nodeDir === undefined) {
  console.warn('build-native: no Node headers found next to this Node; node-gyp will try to download them');
}
const nodeGyp = require.resolve('node-gyp/bin/node-gyp.js');
const args = [nodeGyp, 'rebuild', '--release', `--directory=${nativeDir}`, '--jobs=max', '--loglevel=warn'];
if (nodeDir !== undefined) args.push(`--nodedir=${nodeDir}`);
const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
if (result.status !== 0) {
  console.error('build-native: node-gyp failed (see above); needs python3, make and g++');
  process.exit(1);
}

mkdirSync(outDir, { recursive: true });
// Copy then rename, so a process loading the addon meanwhile never sees a half-written file.
const partial = `${output}.partial`;
copyFileSync(join(nativeDir, 'build', 'Release', 'hvmio_native.node'), partial);
renameSync(partial, output);
writeFileSync(stampFile, `${JSON.stringify(stamp)}\n`);
console.log(`build-native: built build/native/hvmio_native.node (${statSync(output).size} bytes)`);

/**
 * @module kubelet/runtime/images
 *
 * tskube's built-in images: references a node can run without pulling anything, because their
 * entrypoint is a program shipped with tskube or the base system.
 *
 * | reference                                                   | program                          |
 * |-------------------------------------------------------------|----------------------------------|
 * | tskube/echo, tskube/echo:<tag>, docker.io/tskube/echo:<tag> | src/images/echo/ (Node)          |
 * | tskube/pause (same forms)                                   | PAUSE_PROGRAM (perl, one process) |
 *
 * tskube/echo runs as its own Node process: `process.execPath` with this process's `execArgv`
 * (so `--import tsx` carries over when tskube runs from source) and the program file next to this
 * one with the same extension (.ts from src, .js from dist). tskube/pause is what many pods of a
 * scale test run, so it must cost next to nothing: a Node process takes ~60 ms of CPU and ~40 MiB
 * to start (~200 ms under tsx), so it is a perl one-liner instead (perl-base is an essential
 * Debian package), one process that exits 0 on SIGTERM or SIGINT as upstream's pause does.
 *
 * `@sha256:...` digests and `docker.io/library`-style prefixes other than `docker.io/` do not
 * name a built-in image.
 */
import { createRequire } from 'node:module';
import { extname, isAbsolute, join, resolve as resolvePath } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface BuiltinImage {
  /** Short name, e.g. "tskube/echo". */
  readonly name: string;
  /** The argv that starts the image's entrypoint (the container's args are appended). */
  readonly entrypoint: readonly string[];
}

/** Waits for SIGTERM/SIGINT and exits 0; says so once its handlers are in place (tests wait for it). */
const PAUSE_PROGRAM = ['perl', '-e', '$SIG{TERM} = $SIG{INT} = sub { exit 0 }; $| = 1; print "tskube/pause: waiting for SIGTERM\\n"; sleep while 1'];

const NODE_PROGRAMS: Readonly<Record<string, string>> = {
  'tskube/echo': 'echo/main',
};

/** The built-in images' names, for messages. */
export const BUILTIN_IMAGE_NAMES: readonly string[] = [...Object.keys(NODE_PROGRAMS), 'tskube/pause'];

/** The built-in image an image reference names, or undefined. */
export function resolveBuiltinImage(reference: string): BuiltinImage | undefined {
  const name = repositoryOf(reference);
  if (name === 'tskube/pause') return { name, entrypoint: PAUSE_PROGRAM };
  const program = name === undefined ? undefined : NODE_PROGRAMS[name];
  if (name === undefined || program === undefined) return undefined;
  const ext = extname(fileURLToPath(import.meta.url)); // .ts under tsx, .js from dist
  const path = fileURLToPath(new URL(`../../images/${program}${ext}`, import.meta.url));
  return { name, entrypoint: [process.execPath, ...nodeFlagsForChildren(), path] };
}

/** "docker.io/tskube/echo:1.0" → "tskube/echo"; undefined for digests and malformed references. */
function repositoryOf(reference: string): string | undefined {
  if (reference.includes('@')) return undefined;
  let rest = reference.startsWith('docker.io/') ? reference.slice('docker.io/'.length) : reference;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    const tag = rest.slice(colon + 1);
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag)) return undefined;
    rest = rest.slice(0, colon);
  }
  return rest;
}

/** Flags written as two words whose second word is a module to load. */
const MODULE_FLAGS = new Set(['--import', '--loader', '--experimental-loader', '--require', '-r']);
/** Flags that make no sense in a container: the test runner's own, inspector and eval flags. */
const DROPPED_FLAG = /^(--test|--inspect|--debug|--eval|--print|--input-type|--watch|-e$|-p$)/;
const DROPPED_WITH_VALUE = /^(-e|-p|--eval|--print|--input-type|--test-reporter|--test-reporter-destination|--test-name-pattern|--test-skip-pattern|--test-concurrency|--test-timeout|--test-shard|--watch-path)$/;

/**
 * This process's Node flags, fit for a child that runs in another working directory: modules
 * named by --import/--require are resolved now (`--import tsx` would otherwise be looked up from
 * the container's sandbox, where there is no node_modules).
 */
function nodeFlagsForChildren(): string[] {
  const flags: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const eq = flag.indexOf('=');
    const name = eq < 0 ? flag : flag.slice(0, eq);
    if (DROPPED_FLAG.test(flag)) {
      if (eq < 0 && DROPPED_WITH_VALUE.test(flag)) i++;
      continue;
    }
    if (MODULE_FLAGS.has(name)) {
      const specifier = eq < 0 ? argv[++i] : flag.slice(eq + 1);
      if (specifier !== undefined) flags.push(`${name}=${resolveModule(specifier, name === '--require' || name === '-r')}`);
      continue;
    }
    flags.push(flag);
  }
  return flags;
}

/** A module specifier as the agent's Node resolved it (relative paths against its cwd). */
function resolveModule(specifier: string, commonJs: boolean): string {
  if (specifier.startsWith('./') || specifier.startsWith('../') || specifier === '.' || specifier === '..') {
    const path = resolvePath(process.cwd(), specifier);
    return commonJs ? path : pathToFileURL(path).href;
  }
  if (isAbsolute(specifier) || /^[a-z][a-z0-9+.-]*:/i.test(specifier)) return specifier;
  try {
    if (commonJs) return createRequire(join(process.cwd(), 'noop.js')).resolve(specifier);
    return import.meta.resolve(specifier);
  } catch {
    return specifier;
  }
}

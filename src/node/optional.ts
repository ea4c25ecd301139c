/**
 * Optional packages loaded at run time (hyparquet and apache-arrow for `losskit eval`,
 * TensorFlow.js for the demos), with one rule for failures: a package that is not installed is a
 * {@link MissingDependencyError} saying how to install it; any other failure to load it is
 * reported as that, with its cause (never as "not installed").
 */

/** Thrown (and printed by the CLI in one line, exit 2) when an optional package is not installed or cannot be loaded. */
export class MissingDependencyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MissingDependencyError';
  }
}

/**
 * `import(specifier)` that stays a real dynamic import in the CommonJS build. TypeScript compiles
 * `import()` to `require()` there, and before Node 20.19 `require()` cannot load an ES-module-only
 * package (hyparquet: `ERR_REQUIRE_ESM`), so `require('losskit/node')` users could not read
 * Parquet. A `Function` body is not rewritten by the compiler. Used only after that error: inside
 * a `vm` context (Jest, Vitest) a `Function` has no dynamic-import hook.
 */
function nativeImport(specifier: string): Promise<unknown> {
  // Made on first use only: a process run with --disallow-code-generation-from-strings still loads this module.
  const f = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;
  return f(specifier);
}

/** Whether `e` says that `name` itself (not something inside it) cannot be found. */
function notInstalled(e: unknown, name: string): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  const message = e instanceof Error ? e.message : '';
  // "Cannot find module 'x'" / "Cannot find package 'x' imported from …" (a package missing inside x names another)
  return message.includes(`'${name}'`) || message.includes(`"${name}"`);
}

/**
 * Loads the optional package `name` (`import(name)`, or `load` for a typed static specifier).
 * `needs` says what needs it and `hint` how to get it, for the message when it is not installed.
 */
export async function importOptional<T>(
  name: string,
  needs: string,
  hint: string,
  load: () => Promise<unknown> = () => import(name),
): Promise<T> {
  try {
    try {
      return (await load()) as T;
    } catch (e) {
      if ((e as { code?: unknown } | null)?.code !== 'ERR_REQUIRE_ESM') throw e;
      return (await nativeImport(name)) as T;
    }
  } catch (e) {
    if (notInstalled(e, name))
      throw new MissingDependencyError(`${needs} the optional package '${name}', which is not installed. ${hint}`);
    const why = e instanceof Error ? e.message : String(e);
    throw new MissingDependencyError(
      `${needs} the optional package '${name}', which is installed but failed to load: ${why}`,
    );
  }
}

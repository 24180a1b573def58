/**
 * Imports a scenario file, wherever it is, and turns what can go wrong on the way (it does not
 * compile, an import is not there, its top level throws) into a UsageError naming the file.
 */
import { register } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError, errorMessage } from '../errors.ts';

/**
 * Node decides a .ts file's module format from the nearest package.json: outside a folder whose
 * package.json says "type": "module" (a scenario kept in /home/me/checks/, say) it is CommonJS,
 * and tsx then cannot load an `import … export default` file through the ESM loader (the
 * ERR_REQUIRE_CYCLE_MODULE stack trace). Scenario files are ES modules by definition, so this
 * resolve hook, placed before tsx's, says so for any .ts file outside node_modules that would
 * otherwise be CommonJS. It runs in Node's loader thread, hence plain JavaScript.
 */
const HOOKS = `
export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  const { protocol, pathname } = new URL(resolved.url);
  if (resolved.format === 'commonjs' && protocol === 'file:' && pathname.endsWith('.ts') && !pathname.includes('/node_modules/')) {
    return { ...resolved, format: 'module' };
  }
  return resolved;
}`;

let hooked = false;

function treatTsAsModules(): void {
  if (hooked) return;
  register(`data:text/javascript,${encodeURIComponent(HOOKS)}`);
  hooked = true;
}

/** Where a scenario outside the checkout takes its steps from. */
const STEPS_MODULE = fileURLToPath(new URL('./index.ts', import.meta.url));

export async function loadScenarioModule(url: string, file: string): Promise<{ default?: unknown }> {
  treatTsAsModules();
  try {
    return (await import(url)) as { default?: unknown };
  } catch (error) {
    throw describeLoadError(error, file);
  }
}

function describeLoadError(error: unknown, file: string): UsageError {
  const name = (error as { name?: string }).name;
  const code = (error as { code?: string }).code;
  if (name === 'TransformError') {
    // esbuild's text: "Transform failed with 1 error:\n/path/x.ts:3:7: ERROR: Expected …"
    const lines = errorMessage(error).split('\n').filter((l) => l.trim() && !/^Transform failed with/.test(l));
    return new UsageError(`scenario file ${file} does not compile:\n  ${lines.slice(0, 5).join('\n  ')}`, {
      cause: error, remedy: 'Fix the TypeScript at the place named; scenarios/smoke.ts is a working example to copy.',
    });
  }
  if (code === 'ERR_MODULE_NOT_FOUND') {
    return new UsageError(`scenario file ${file} imports something that is not there: ${errorMessage(error)}`, {
      cause: error,
      remedy: `Import passbench's steps by a path that resolves from ${path.dirname(file)}: `
        + `import { defineScenario, … } from '${path.relative(path.dirname(file), STEPS_MODULE).replace(/^(?!\.)/, './')}'.`,
    });
  }
  return new UsageError(`scenario file ${file} failed while loading: ${errorMessage(error)}`, {
    cause: error, remedy: 'Fix the file\'s top level (defineScenario checks its name, modes and step ids); scenarios/smoke.ts is a working example.',
  });
}

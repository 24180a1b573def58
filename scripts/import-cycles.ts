/**
 * Import cycles among the project's TypeScript files: `node --import tsx scripts/import-cycles.ts
 * [folder…]` prints each cycle as a chain of files and exits 1 if there is one (run by `npm run
 * lint`, so by `npm test` and CI). Every relative import counts, type-only ones too: a cycle of types
 * is a layer boundary crossed both ways all the same. Imports are read with TypeScript's own
 * scanner (ts.preProcessFile), so `import type`, `export … from` and `import('…')` are all seen.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';

/** What tsconfig.json includes, and this folder. */
export const PROJECT_FOLDERS = ['harness', 'scenarios', 'vm-images', 'test', 'bench', 'bin', 'scripts'];

export type ImportGraph = Map<string, string[]>;

function sourceFiles(folder: string): string[] {
  if (!fs.existsSync(folder)) return [];
  return fs.readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(ts|mts|cts)$/.test(f) && !f.endsWith('.d.ts') && !f.split(path.sep).includes('node_modules'))
    .map((f) => path.join(folder, f));
}

/** file → the project files it imports (relative specifiers only: packages cannot close a cycle). */
export function importGraph(folders: readonly string[]): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const file of folders.flatMap(sourceFiles).sort()) {
    const { importedFiles } = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
    const targets = importedFiles.map((i) => i.fileName).filter((s) => s.startsWith('./') || s.startsWith('../'))
      .map((s) => path.normalize(path.join(path.dirname(file), s)));
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/**
 * The cycles, one per strongly connected group of files (Tarjan), each as the shortest chain
 * from the group's first file (by name) back to itself: a.ts → b.ts → a.ts.
 */
export function findCycles(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  let next = 0;
  const visit = (file: string): void => {
    index.set(file, next);
    low.set(file, next++);
    stack.push(file);
    onStack.add(file);
    for (const to of graph.get(file) ?? []) {
      if (!graph.has(to)) continue;
      if (!index.has(to)) {
        visit(to);
        low.set(file, Math.min(low.get(file)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(file, Math.min(low.get(file)!, index.get(to)!));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const group: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      group.push(member);
    } while (member !== file);
    if (group.length > 1 || (graph.get(file) ?? []).includes(file)) groups.push(group.sort());
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return groups.map((group) => shortestLoop(graph, group)).sort((a, b) => a[0]!.localeCompare(b[0]!));
}

/** Breadth-first from the group's first file back to it, inside the group. */
function shortestLoop(graph: ImportGraph, group: readonly string[]): string[] {
  const start = group[0]!;
  const inGroup = new Set(group);
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const file = queue.shift()!;
    for (const to of graph.get(file) ?? []) {
      if (!inGroup.has(to)) continue;
      if (to === start) {
        const back: string[] = [];
        for (let at = file; at !== start; at = cameFrom.get(at)!) back.push(at);
        return [start, ...back.reverse(), start];
      }
      if (!cameFrom.has(to)) {
        cameFrom.set(to, file);
        queue.push(to);
      }
    }
  }
  return [...group, start];
}

export function formatCycles(cycles: readonly string[][]): string {
  return cycles.map((c) => `import cycle: ${c.join(' → ')}`).join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const folders = process.argv.length > 2 ? process.argv.slice(2) : PROJECT_FOLDERS;
  const graph = importGraph(folders);
  const cycles = findCycles(graph);
  if (cycles.length) {
    process.stderr.write(`${formatCycles(cycles)}\n${cycles.length} import cycle(s) among ${graph.size} files: `
      + 'move what both sides need into a module of its own that neither imports back.\n');
    process.exitCode = 1;
  } else {
    process.stdout.write(`no import cycles among ${graph.size} files\n`);
  }
}

import type { z } from 'zod';

/**
 * zod's issues as one message a lab engineer can act on: one line per problem with the field's
 * path (hosts.lab1.devices[0].bdf), the value found there, and what is allowed (the enum's
 * values, the object's keys).
 */
export function formatConfigIssues(issues: readonly z.core.$ZodIssue[], raw: unknown, schema: z.ZodType): string {
  return issues.map((issue) => {
    if (issue.code === 'invalid_key') {
      // A bad map key (a host or model name): the path ends with the key itself.
      const key = issue.path[issue.path.length - 1];
      return `  ${formatPath(issue.path.slice(0, -1))}: key ${JSON.stringify(key)}: ${issue.issues[0]?.message ?? issue.message}`;
    }
    return `  ${formatPath(issue.path)}: ${describe(issue, raw, schema)}`;
  }).join('\n');
}

export function formatPath(parts: readonly PropertyKey[]): string {
  if (parts.length === 0) return '(top level)';
  return parts.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

function describe(issue: z.core.$ZodIssue, raw: unknown, schema: z.ZodType): string {
  const value = valueAt(raw, issue.path);
  if (issue.code === 'unrecognized_keys') {
    const allowed = keysAt(schema, issue.path, raw);
    return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`
      + (allowed.length ? ` (allowed: ${allowed.join(', ')})` : '');
  }
  if (value === undefined && issue.code === 'invalid_type') return `missing: expected ${issue.expected}`;
  if (issue.code === 'invalid_value') {
    return `got ${show(value)}; allowed: ${issue.values.map((v) => String(v)).join(', ')}`;
  }
  if (issue.code === 'invalid_type') return `expected ${issue.expected}, got ${show(value)}`;
  return value === undefined || typeof value === 'object' ? issue.message : `${issue.message}, got ${show(value)}`;
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export function valueAt(raw: unknown, parts: readonly PropertyKey[]): unknown {
  let at = raw;
  for (const p of parts) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<PropertyKey, unknown>)[p];
  }
  return at;
}

interface Def { type: string; shape?: Record<string, unknown>; valueType?: unknown; element?: unknown; innerType?: unknown; in?: unknown; options?: unknown[] }
const defOf = (s: unknown): Def => (s as { _zod: { def: Def } })._zod.def;

/** The keys the schema allows at that path (following records, arrays, optionals and the device union). */
function keysAt(schema: unknown, parts: readonly PropertyKey[], raw: unknown): string[] {
  let s = schema;
  for (let i = 0; i <= parts.length; i++) {
    s = unwrap(s, valueAt(raw, parts.slice(0, i)));
    if (i === parts.length) break;
    const d = defOf(s);
    if (d.type === 'object') s = d.shape?.[String(parts[i])];
    else if (d.type === 'record') s = d.valueType;
    else if (d.type === 'array') s = d.element;
    else return [];
    if (!s) return [];
  }
  const d = defOf(s);
  return d.type === 'object' && d.shape ? Object.keys(d.shape) : [];
}

function unwrap(s: unknown, value: unknown): unknown {
  for (;;) {
    const d = defOf(s);
    if (d.innerType) s = d.innerType;
    else if (d.type === 'pipe') s = d.in;
    else if (d.type === 'union' && d.options) {
      // A discriminated union: the option whose literal `mode` matches the value.
      const mode = (value as { mode?: unknown } | undefined)?.mode;
      s = d.options.find((o) => {
        const m = defOf(o).shape?.mode;
        return m !== undefined && (defOf(m) as { values?: unknown[] }).values?.includes(mode);
      }) ?? d.options[0];
    } else return s;
  }
}

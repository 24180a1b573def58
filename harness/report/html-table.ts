/** HTML table cells and tables, escaped (run report and dashboard share them). */
import { escapeHtml as h } from './escape.ts';

/** A table; `rows` are rows of cells already rendered (td, num, or raw <td> with escaped content). */
export function table(header: readonly string[], rows: readonly string[][]): string {
  return `<table><thead><tr>${header.map((c) => `<th>${h(c)}</th>`).join('')}</tr></thead><tbody>\n${rows.map((r) => `<tr>${r.join('')}</tr>`).join('\n')}\n</tbody></table>`;
}

export const td = (text: string, cls?: string): string => `<td${cls ? ` class="${h(cls)}"` : ''}>${h(text)}</td>`;
export const num = (text: string): string => td(text, 'num');

/** HTML pages' head, tables and cells, escaped (run report and dashboard share them). */
import { escapeHtml as h } from './escape.ts';

/** A table; `rows` are rows of cells already rendered (td, num, or raw <td> with escaped content). */
export function table(header: readonly string[], rows: readonly string[][]): string {
  return `<table><thead><tr>${header.map((c) => `<th>${h(c)}</th>`).join('')}</tr></thead><tbody>\n${rows.map((r) => `<tr>${r.join('')}</tr>`).join('\n')}\n</tbody></table>`;
}

export const td = (text: string, cls?: string): string => `<td${cls ? ` class="${h(cls)}"` : ''}>${h(text)}</td>`;
export const num = (text: string): string => td(text, 'num');

/**
 * The head of a self-contained page, up to and including <body>: inline CSS, and how many charts
 * the page holds (meta passbench-chart-count) so a browser test can check each one was drawn.
 */
export function pageHead(title: string, charts: number, style: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="passbench-chart-count" content="${charts}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(title)}</title><style>${style}</style></head>
<body>
`;
}

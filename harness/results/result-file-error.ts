/** A result file (run.json, samples.jsonl, checks.jsonl) that cannot be read as the schema says. */
import { ResultsError, type ErrorDetails } from '../errors.ts';

export class ResultFileError extends ResultsError {
  constructor(
    readonly path: string,
    readonly line: number | undefined,
    problem: string,
    details: ErrorDetails = {},
  ) {
    super(`${path}${line === undefined ? '' : `:${line}`}: ${problem}`, details);
  }
}

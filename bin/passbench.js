#!/usr/bin/env node
// Runs the TypeScript CLI directly through tsx: no build step between a checkout and a run.
import { register } from 'tsx/esm/api';

register();
const { endQuietlyWhenReaderCloses } = await import('../harness/cli/output.ts');
const { main } = await import('../harness/cli/main.ts');
// Before anything is printed: `passbench --help | head -1` ends quietly, not with an EPIPE stack trace.
endQuietlyWhenReaderCloses();
process.exitCode = await main(process.argv);

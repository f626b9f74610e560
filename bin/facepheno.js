#!/usr/bin/env node
// The `facepheno` command runs the compiled sources (npm run build writes dist/).
import { main } from '../dist/src/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(
      `facepheno: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
    );
    process.exitCode = 70;
  },
);

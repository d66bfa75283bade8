#!/usr/bin/env node
// The `troupe` command. A committed launcher for the compiled CLI, so that `pnpm install` can link
// the command before the workspace is built (a bin pointing into dist/ cannot be linked then).
import '../dist/cli.js';

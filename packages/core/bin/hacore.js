#!/usr/bin/env -S node --max-semi-space-size=2
// The flag: the supervisor's young-generation ceiling (src/young-generation.ts); V8 reads it only at start.
import "../dist/src/cli/main.js";

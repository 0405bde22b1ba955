#!/usr/bin/env node
import "../dist/src/import-cli.js";

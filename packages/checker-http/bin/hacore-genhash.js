#!/usr/bin/env node
import "../dist/src/genhash-cli.js";

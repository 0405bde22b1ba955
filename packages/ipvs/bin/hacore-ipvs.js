#!/usr/bin/env node
// Committed (and executable) so that npm can link the bin before the build.
import "../dist/src/bin/hacore-ipvs.js";

// The CI soak run of seed 42 (test/soak/soak-ci.mjs).
import { CI_SEEDS, soakTest } from './soak-ci.mjs';

soakTest(CI_SEEDS[0]);

// The CI soak run of seed 1717 (test/soak/soak-ci.mjs).
import { CI_SEEDS, soakTest } from './soak-ci.mjs';

soakTest(CI_SEEDS[2]);

// Probes once with the TCP checker and prints the result as JSON; used by the
// tests to probe from inside a network namespace.
import { TcpChecker } from '@hacore/checker-tcp';

const spec = JSON.parse(process.argv[2]);
const result = await new TcpChecker(spec).probe(AbortSignal.timeout(spec.timeout));
process.stdout.write(`${JSON.stringify(result)}\n`);

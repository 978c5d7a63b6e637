// Runs Stoplight Prism's command line in this Node.js process and exits when
// standard input closes. The conformance suite keeps the write end of that
// pipe, so Prism stops with the test process even when the test process is
// killed or aborts before its cleanup runs.
//
// Usage: node prism-until-eof.js <prism-cli/dist/index.js> <prism arguments>
'use strict';

const [cli, ...args] = process.argv.slice(2);
if (!cli) {
  console.error(
    'missing argument: the path of prism-cli/dist/index.js, followed by Prism\'s arguments',
  );
  process.exit(2);
}

process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();

process.argv = [process.argv[0], cli, ...args];
require(cli);

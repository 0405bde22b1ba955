/**
 * A reader that closes the pipe early (`hacore status | head`) is not an error of
 * hacore: on EPIPE the CLI stops quietly with status 0, as the shell tools do,
 * instead of Node's unhandled-'error' stack trace. Other write errors still fail.
 */
function quietOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

quietOnClosedPipe(process.stdout);
quietOnClosedPipe(process.stderr);

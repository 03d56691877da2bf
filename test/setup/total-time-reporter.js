// Prints the run's wall time as the very last line (jest start-up, global setup and teardown included,
// which jest's own "Time:" leaves out), so that a slow `npm test` shows at a glance.
class TotalTimeReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites > 0;
    process.once('exit', () => {
      process.stderr.write(
        `\nTotal: ${results.numTotalTests} tests in ${results.numTotalTestSuites} files ` +
          `${failed ? 'FAILED' : 'passed'}, ${process.uptime().toFixed(1)} s wall in total\n`,
      );
    });
  }
}

module.exports = TotalTimeReporter;

/**
 * A mistake in how the command was called (an argument, an option, a missing
 * credential). It never leaves `run()`: it becomes a one-line message on
 * stderr and exit code 3. Its message never contains a credential's value.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}

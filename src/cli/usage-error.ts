/** Bad command-line input; the message says what to change. The CLI prints it with the usage. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const maxLength = 500;

/**
 * Turns a Step Functions error (Error name + Cause, where a Lambda failure's
 * Cause is a JSON document with errorMessage and a stack trace) into one
 * readable line for the task row. The stack trace never reaches the user.
 */
export function describeStepFunctionsError(error: string | undefined, cause: string | undefined): string {
  let message = cause ?? '';
  try {
    const parsed = JSON.parse(message) as { errorMessage?: unknown; errorType?: unknown };
    if (typeof parsed.errorMessage === 'string') message = parsed.errorMessage;
  } catch {
    // Not JSON: States.* errors carry a plain-text cause.
  }
  const line = [error, message].filter(Boolean).join(': ') || 'the workflow failed without an error message';
  return line.length > maxLength ? `${line.slice(0, maxLength - 1)}…` : line;
}

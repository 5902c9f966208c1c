/**
 * An error from any realm: `instanceof Error` is false for errors made in
 * another realm (a vm context, an iframe, Node's own fetch seen from a test
 * sandbox), so errors are recognised by their shape.
 */
export interface ErrorLike {
  readonly name: string;
  readonly message: string;
  readonly stack?: string | undefined;
  readonly cause?: unknown;
  readonly code?: unknown;
}

export function isErrorLike(value: unknown): value is ErrorLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ErrorLike).message === 'string' &&
    typeof (value as ErrorLike).name === 'string'
  );
}

/** The message of an error, or the value itself as text. */
export function messageOf(value: unknown): string {
  return isErrorLike(value) ? value.message : String(value);
}

import { distinctUntilChanged, Observable } from 'rxjs';

/** The part of `document` this needs; a test can pass its own. */
export interface VisibilityDocument {
  /** `'hidden'` while the page is hidden; any other value counts as shown. */
  readonly visibilityState: string;
  /** Called once per subscription to {@link whenDocumentHidden}. */
  addEventListener(type: 'visibilitychange', listener: () => void): void;
  /** Called with the same listener when that subscription ends. */
  removeEventListener(type: 'visibilitychange', listener: () => void): void;
}

/**
 * `true` while the page is hidden, for a source's `pauseWhen`: a tab in the
 * background sends no polls, and catches up with one poll per task when shown
 * again. Where there is no `document` (Node, server-side rendering) it is
 * `false` once and completes: nothing is ever paused.
 *
 * ```ts
 * import { streamTasks, whenDocumentHidden } from 'rx-task-status';
 *
 * // In a page: the token comes from your back end, never the API secret.
 * const stream = streamTasks({ apiKey: 'your-app-key', token: 'a-server-token', pauseWhen: whenDocumentHidden() });
 * stream.watch('task-id').subscribe((state) => console.log(state.status));
 * ```
 */
export function whenDocumentHidden(doc: VisibilityDocument | undefined = (globalThis as { document?: VisibilityDocument }).document): Observable<boolean> {
  // Not `of(false)`: `of` brings RxJS's `from` machinery into every page bundle that pauses when hidden.
  if (doc === undefined) {
    return new Observable<boolean>((subscriber) => {
      subscriber.next(false);
      subscriber.complete();
    });
  }
  return new Observable<boolean>((subscriber) => {
    const emit = () => subscriber.next(doc.visibilityState === 'hidden');
    emit();
    doc.addEventListener('visibilitychange', emit);
    return () => doc.removeEventListener('visibilitychange', emit);
  }).pipe(distinctUntilChanged());
}

import { postmanTasks, whenDocumentHidden } from 'rx-task-status';

/**
 * The app's one Postman source, made once at module level: every component
 * that watches a task through it shares its request budget, and two
 * components watching the same task share one poll loop.
 *
 * In a browser, whatever you give a source is readable in the developer
 * tools, so the real API key stays on your back end: `baseUrl` is a route of
 * yours that checks the user's session, sets the `x-api-key` header to the
 * real key (replacing this placeholder) and forwards the request to
 * api.getpostman.com.
 *
 * While the page is hidden, nothing is polled; when it is shown again, every
 * watched task polls at once.
 */
export const postman = postmanTasks({
  apiKey: 'set-by-the-proxy',
  baseUrl: 'https://app.example.com/api/postman',
  pauseWhen: whenDocumentHidden(),
});

import { CREDENTIAL_VARIABLES } from './credentials.js';

// What `--help` adds after commander's usage and options: what a person needs to call it from a script.

const ENVIRONMENT = [
  'Environment (credentials are read from here only, never from the command line):',
  `  ${CREDENTIAL_VARIABLES.stream.apiKey}, ${CREDENTIAL_VARIABLES.stream.apiSecret}   Stream`,
  `  ${CREDENTIAL_VARIABLES.mobizon.apiKey}                     Mobizon`,
  `  ${CREDENTIAL_VARIABLES.postman.apiKey}                     Postman`,
];

const WATCH_EXIT_CODES = [
  'Exit codes:',
  '  0    every task completed',
  '  1    a task failed, or could not be followed (not found, network errors)',
  '  2    --timeout ran out before a task ended',
  '  3    usage error, missing credential, or a key the provider rejects',
  '  130  stopped by Ctrl-C',
  '  141  the reader of stdout went away (… | head -n 1)',
  '  143  stopped by SIGTERM',
];

const WATCH_EXAMPLES = [
  'Examples:',
  '  export POSTMAN_API_KEY=PMAK-…',
  '  rx-task-status watch postman merge:6f1d0c3e-… --timeout 600',
  '  rx-task-status watch mobizon 4821 4822 --domain api.mobizon.kz | jq .status',
];

const DEMO_TEXT = [
  'Needs no account, no credential and no network.',
  '',
  'With --processes N (2 to 8): N processes of this program watch the same Postman tasks on one',
  'account that allows 20 requests a second, sharing one budget and one poll per task through a',
  'redis-server the demo starts on a unix socket of its own (redis-server must be installed). It runs',
  'in real time, with --tasks 60 at most; --speed and --seed do not apply.',
  '',
  'Exit codes:',
  '  0    every task ended as scripted (the scripted failures included); with --processes, every',
  '       process saw every end, and the account never refused a request nor saw more than it allows',
  '  1    a task did not: a bug worth reporting',
  '  3    usage error, or redis-server missing for --processes',
  '  130  stopped by Ctrl-C',
  '',
  'Examples:',
  '  rx-task-status demo',
  '  rx-task-status demo --tasks 60 --speed 5',
  '  rx-task-status demo --json | tail -n 1',
  '  rx-task-status demo --processes 4 --tasks 40',
];

const FAKE_SERVER_TEXT = [
  'Starts the fake APIs that the demo and the test kit (rx-task-status/testing) use, on 127.0.0.1, creates',
  "the scenario's tasks (the same ids every time; each ends, completed or failed, 3 s to 3 min after the",
  'start), and prints the base URL, the tasks, and the lines to paste into another shell: the export of',
  "the fake server's own credentials, and watch commands for a few of its tasks. Then it serves until",
  'Ctrl-C. Needs no account and no network.',
  '',
  'Exit codes:',
  '  3    usage error, or the port is taken',
  '  130  stopped by Ctrl-C (its usual end)',
  '  143  stopped by SIGTERM',
  '',
  'Examples:',
  '  rx-task-status fake-server',
  '  rx-task-status fake-server --scenario postman --port 8080',
];

const lines = (...blocks: string[][]) => `\n${blocks.map((block) => block.join('\n')).join('\n\n')}\n`;

export const ROOT_HELP = lines(ENVIRONMENT, WATCH_EXIT_CODES, [...WATCH_EXAMPLES, '  rx-task-status demo', '  rx-task-status fake-server']);
export const WATCH_HELP = lines(ENVIRONMENT, WATCH_EXIT_CODES, WATCH_EXAMPLES);
export const DEMO_HELP = lines(DEMO_TEXT);
export const FAKE_SERVER_HELP = lines(FAKE_SERVER_TEXT);

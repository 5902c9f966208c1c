/**
 * A task hub for front ends (Node only): polls each task once, whoever
 * watches it, and pushes its states to every page over Server-Sent Events.
 * Pages read it with `hubTasks` from `rx-task-status`. See docs/hub.md.
 *
 * @module rx-task-status/hub
 */
export { createTaskHub, type HubRequest, type HubResponse, type HubSource, type HubTaskRequest, type TaskHub, type TaskHubOptions } from './taskHub.js';

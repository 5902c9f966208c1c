// The core's tests drive the custom provider of docs/custom-provider.md, so the doc cannot rot.
export { acmeTasks, AcmeJob, type AcmeOptions } from '../../docs/examples/custom-provider/acme.js';

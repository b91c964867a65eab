// A worker thread runs TypeScript the way `npm start` does, through tsx: its module loaders are
// registered per thread, so each function's worker registers them before loading anything.
import { workerData } from 'node:worker_threads';
import { register as registerCommonJs } from 'tsx/cjs/api';
import { register } from 'tsx/esm/api';

register();
registerCommonJs();
await import(workerData.worker);

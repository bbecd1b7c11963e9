// poolifier FixedThreadPool worker: task functions by name (execute(data, 'burn')); inc is the default.
import { ThreadWorker } from 'poolifier';
import { burn, inc } from './tasks.mjs';

export default new ThreadWorker({ inc, burn });

// workerpool worker (thread): methods by name, pool.exec('inc', [x]).
import workerpool from 'workerpool';
import { burn, inc } from './tasks.mjs';

workerpool.worker({ inc, burn });

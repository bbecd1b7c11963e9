import suite from '../suites/pool-observe.suite.js';
import { runSuite } from '../helpers/suite.js';

runSuite(suite, 'thread');

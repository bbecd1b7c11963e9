import suite from '../suites/pool.suite.js';
import { runSuite } from '../helpers/suite.js';

runSuite(suite, 'thread');

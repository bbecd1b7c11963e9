import suite from '../suites/queues.suite.js';
import { runSuite } from '../helpers/suite.js';

runSuite(suite, 'process');

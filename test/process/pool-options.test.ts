import suite from '../suites/pool-options.suite.js';
import { runSuite } from '../helpers/suite.js';

runSuite(suite, 'process');

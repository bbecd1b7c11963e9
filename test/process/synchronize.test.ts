import suite from '../suites/synchronize.suite.js';
import { runSuite } from '../helpers/suite.js';

runSuite(suite, 'process');

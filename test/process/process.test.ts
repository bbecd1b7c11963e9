import suite from '../suites/process.suite.js';
import { runSuite } from '../helpers/suite.js';

runSuite(suite, 'process');

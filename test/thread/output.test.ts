import suite from '../suites/output.suite.js';
import { runSuite } from '../helpers/suite.js';

runSuite(suite, 'thread');

import suite from '../suites/sharedctypes.suite.js';
import { runSuite } from '../helpers/suite.js';

runSuite(suite, 'thread');

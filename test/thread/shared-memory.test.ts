import suite from '../suites/shared-memory.suite.js';
import { runSuite } from '../helpers/suite.js';

runSuite(suite, 'thread');

import suite from '../suites/warm.suite.js';
import { runSuite } from '../helpers/suite.js';

runSuite(suite, 'process');

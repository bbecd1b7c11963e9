// poolifier FixedClusterPool worker (a cluster child process). CommonJS: poolifier's primary sends
// its start-up message as soon as the child is online, before an ES module would have loaded.
/* global require, module */
'use strict';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ClusterWorker } = require('poolifier');

function inc(x) {
  return x + 1;
}

function burn(n) {
  let s = 0;
  for (let i = 0; i < n; i++) s = (s * 31 + i) | 0;
  return s;
}

module.exports = new ClusterWorker({ inc, burn });

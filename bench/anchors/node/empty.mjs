// The bare anchor for process-start: an empty ES module, run by child_process.fork and by new Worker.

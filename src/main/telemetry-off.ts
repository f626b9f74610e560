// Evaluated before onnxruntime-node (see models/onnxruntime.ts), and first in every entry point's main thread
// (the command, the app): a worker thread's process.env is its own copy, so only the main thread's setting
// reaches the native library, wherever in the process the sessions are opened.
process.env.ORT_DISABLE_TELEMETRY = '1';
